"""Ctrl-C during `python train.py word2vec|encoder`, then the printed resume command.

A real SIGINT is sent to a real `train.py` process once its progress bar shows that training
is under way. The process must exit with code 130 and no traceback, keep its checkpoint,
and print the command that resumes; running that command must end with exactly the
vectors.txt of a run that was never interrupted (word2vec with two workers, not bit-for-bit
repeatable, must finish every epoch with the same pairs). word2vec stops at a batch boundary (here
mid-epoch, in epoch 2 or 3); the encoder at a step boundary.
"""
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402
from minembed.cli import rundir  # noqa: E402

CORPUS = os.path.join(REPO, "corpora", "pg11_alice_in_wonderland.txt")     # 27k words
pytestmark = pytest.mark.skipif(not os.path.exists(CORPUS), reason="the shipped corpus is missing")

# Small batches and enough steps that training lasts a few seconds: the signal, sent when the bar
# shows progress, must land mid-training even on a loaded machine.
WORD2VEC = ["word2vec", "--min-count", "1", "--sample", "0", "--dim", "16", "--epochs", "3",
            "--batch-size", "16"]
ENCODER = ["encoder", "--min-count", "2", "--dim", "16", "--ff-dim", "32", "--max-len", "16", "--steps", "1500",
           "--batch-size", "8", "--eval-every", "100", "--checkpoint-every", "1000"]


class Stderr:
    """Collects a process's stderr in a thread, so it can be searched while the process runs."""

    def __init__(self, stream):
        self.text, self._stream = "", stream
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        for chunk in iter(lambda: self._stream.read1(4096), b""):
            self.text += chunk.decode("utf-8", "replace")

    def wait_for(self, pattern, process, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            assert process.poll() is None, f"train.py ended before {pattern!r}:\n{self.text}"
            time.sleep(0.01)
        raise AssertionError(f"no {pattern!r} after {timeout} s:\n{self.text}")

    def finish(self):
        self._thread.join(timeout=30)
        return self.text


def interrupt_and_resume(tmp_path, argv, progress_pattern, check_checkpoint, stop=signal.SIGINT,
                         sigint_ignored=False):
    """Run train.py, send Ctrl-C (to the whole process group, as a terminal does) or SIGTERM (to
    train.py alone, as `kill` or `timeout` do) when ``progress_pattern`` shows on stderr, check the
    clean exit and the checkpoint, run the printed resume command; return the output directory."""
    out = tmp_path / "interrupted"
    env = {k: v for k, v in os.environ.items() if k != "MINEMBED_DEBUG"}
    # its own process group, so that Ctrl-C can go to the whole group as a terminal sends it
    process = subprocess.Popen([sys.executable, "train.py", *argv, "--corpus", CORPUS, "--out", str(out)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True,
                               # SIGINT ignored as in a background job, or at its default as a terminal's foreground
                               # job has it (whatever the test run itself inherited: a CI script started with `&`
                               # passes SIGINT on ignored, and then Ctrl-C between two steps would be lost)
                               preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                signal.SIG_IGN if sigint_ignored else signal.SIG_DFL))
    stderr = Stderr(process.stderr)
    try:
        stderr.wait_for(progress_pattern, process)
        if stop == signal.SIGINT:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(stop)
        assert process.wait(timeout=60) == 128 + stop, stderr.finish()
    finally:
        if process.poll() is None:
            process.kill()
    text = stderr.finish()
    assert "Traceback" not in text, text
    assert (out / "checkpoint.npz").exists() and not (out / "vectors.txt").exists()
    with np.load(out / "checkpoint.npz") as saved:
        check_checkpoint(saved)
    if stop != signal.SIGINT:
        assert f"terminated ({signal.Signals(stop).name}); checkpoint saved" in text, text
    command = re.search(r"Resume with:\n  (.+)\n", text).group(1)
    words = shlex.split(command)
    assert words[:3] == [sys.executable, "train.py", argv[0]] and words[-1] == "--resume"
    done = subprocess.run(words, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (out / "checkpoint.npz").exists()                   # finished: the checkpoint is gone
    return out


def uninterrupted(tmp_path, argv):
    out = tmp_path / "straight"
    assert train.main([*argv, "--corpus", CORPUS, "--out", str(out)]) == 0
    return out


def test_word2vec_ctrl_c_then_resume_equals_an_uninterrupted_run(tmp_path):
    # "epoch 2/3: ... 1.15k/27.6k" = the bar of epoch 2 after its first batches: Ctrl-C lands mid-epoch
    # (in epoch 2, or in epoch 3 if this process was slow to send it)
    def stopped_mid_epoch(saved):
        state = json.loads(str(saved["state"]))
        chunk, = state["resume_at"]["chunks"]                         # one worker, one chunk
        assert state["epochs_done"] in (1, 2) and chunk["position"] > chunk["first"]

    resumed = interrupt_and_resume(tmp_path, WORD2VEC, r"epoch 2/3:\s+\d+%\|[^|]*\| [1-9][\d.]*k?/",
                                   stopped_mid_epoch)
    straight = uninterrupted(tmp_path, WORD2VEC)
    assert (resumed / "vectors.txt").read_bytes() == (straight / "vectors.txt").read_bytes()
    assert (resumed / "vocab.tsv").read_bytes() == (straight / "vocab.tsv").read_bytes()


def test_word2vec_with_two_workers_ctrl_c_then_resume_finishes_the_run(tmp_path):
    # Ctrl-C reaches the parent and both workers (one process group); the workers ignore it,
    # the parent stops them at a batch boundary. Hogwild runs are not bit-for-bit repeatable,
    # so the resumed run is checked for finishing with every epoch, not for equal bytes.
    def stopped_mid_epoch(saved):
        state = json.loads(str(saved["state"]))
        chunks = state["resume_at"]["chunks"]
        assert len(chunks) == 2 and any(c["first"] < c["position"] < c["stop"] for c in chunks)

    # The parent redraws the bar every 0.1 s, and two workers with batches of 16 finish an epoch of
    # Alice in about 0.15 s: a Ctrl-C sent at "epoch 2/5" could land after its last batch (a clean
    # stop at the epoch's end, no chunk positions to check). Batches of 2 make an epoch last about
    # a second, and the signal goes when a bar of epochs 2-4 shows less than 40% done.
    argv = WORD2VEC + ["--workers", "2", "--epochs", "5", "--batch-size", "2"]
    resumed = interrupt_and_resume(tmp_path, argv, r"epoch [2-4]/5:\s+[0-3]?\d%\|[^|]*\| [1-9][\d.]*k?/",
                                   stopped_mid_epoch)
    metrics = json.loads((resumed / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4, 5]
    straight = json.loads((uninterrupted(tmp_path, argv) / "metrics.json").read_text())
    assert [h["pairs"] for h in metrics["history"]] == [h["pairs"] for h in straight["history"]]


def test_encoder_ctrl_c_then_resume_equals_an_uninterrupted_run(tmp_path):
    def stopped_after_step_30(saved):
        assert 30 <= int(saved["step"]) < 1500

    resumed = interrupt_and_resume(tmp_path, ENCODER, r"\| *(?:[3-9]\d|[1-9]\d\d)/1500 ", stopped_after_step_30)
    straight = uninterrupted(tmp_path, ENCODER)
    assert (resumed / "vectors.txt").read_bytes() == (straight / "vectors.txt").read_bytes()
    with np.load(resumed / "encoder.npz") as a, np.load(straight / "encoder.npz") as b:
        assert a.files == b.files
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_encoder_sigterm_then_resume_equals_an_uninterrupted_run(tmp_path):
    def stopped_after_step_30(saved):
        assert 30 <= int(saved["step"]) < 1500

    resumed = interrupt_and_resume(tmp_path, ENCODER, r"\| *(?:[3-9]\d|[1-9]\d\d)/1500 ", stopped_after_step_30,
                                   stop=signal.SIGTERM)
    straight = uninterrupted(tmp_path, ENCODER)
    assert (resumed / "vectors.txt").read_bytes() == (straight / "vectors.txt").read_bytes()


def test_encoder_sighup_from_a_closing_terminal_stops_and_resumes(tmp_path):
    def stopped_mid_run(saved):
        assert 30 <= int(saved["step"]) < 1500

    interrupt_and_resume(tmp_path, ENCODER, r"\| *(?:[3-9]\d|[1-9]\d\d)/1500 ", stopped_mid_run, stop=signal.SIGHUP)


def test_sigterm_works_where_ctrl_c_is_ignored(tmp_path):
    # a job started in the background by a script (`nohup python train.py ... &`) has SIGINT ignored
    def stopped_mid_run(saved):
        assert 30 <= int(saved["step"]) < 1500

    interrupt_and_resume(tmp_path, ENCODER, r"\| *(?:[3-9]\d|[1-9]\d\d)/1500 ", stopped_mid_run,
                         stop=signal.SIGTERM, sigint_ignored=True)


def test_word2vec_with_two_workers_sigterm_to_the_parent_alone_stops_and_resumes(tmp_path):
    # `kill PID` or `timeout` signal train.py only, not its workers: the parent still stops them
    def stopped_before_the_end(saved):
        state = json.loads(str(saved["state"]))          # mid-epoch (both chunks), or at an epoch's end
        assert 1 <= state["epochs_done"] < 5
        assert state["resume_at"] is None or len(state["resume_at"]["chunks"]) == 2

    argv = WORD2VEC + ["--workers", "2", "--epochs", "5"]
    resumed = interrupt_and_resume(tmp_path, argv, r"epoch 2/5:\s+\d+%\|[^|]*\| [1-9][\d.]*k?/",
                                   stopped_before_the_end, stop=signal.SIGTERM)
    metrics = json.loads((resumed / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4, 5]


def test_ctrl_c_while_reading_the_corpus_exits_130_without_a_traceback(tmp_path):
    """Ctrl-C before training starts: nothing to resume, and still no traceback. The corpus is
    a named pipe, so we know the process is inside the reader when the signal is sent.

    The pipe is closed right after the signal. If the signal lands in the instant between
    train.py's open() and its read(), Python has only noted it and the read() then blocks;
    with the pipe held open that would wait forever. Closing it lets the read return, and
    the noted Ctrl-C is raised at the reader's next line."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.mkfifo(corpus / "a.txt")
    env = {k: v for k, v in os.environ.items() if k != "MINEMBED_DEBUG"}
    # SIGINT as a terminal's foreground job has it (a shell's background job, e.g. a CI script started
    # with `&`, passes it on ignored, and Python then keeps ignoring it while the corpus is read)
    process = subprocess.Popen([sys.executable, "train.py", "word2vec", "--corpus", str(corpus),
                                "--out", str(tmp_path / "run")], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        with open(corpus / "a.txt", "w") as pipe:      # returns once train.py has opened it to read
            pipe.write("the cat sat on the mat\n")
            pipe.flush()
            process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "Traceback" not in err and err.strip() == "interrupted", err


@pytest.mark.parametrize("model", ["word2vec", "encoder"])
def test_resume_command_spells_out_every_setting_and_parses_back(tmp_path, model):
    argv = [model, "--corpus", str(tmp_path / "my corpus.txt"), "--out", str(tmp_path / "out dir"),
            "--max-vocab", "50", "--batch-size", "7", "--seed", "3"]
    args = train.build_parser().parse_args(argv)
    words = shlex.split(rundir.resume_command(args))
    assert words[0] == sys.executable and os.path.basename(words[1]) == "train.py" and words[-1] == "--resume"
    resumed = vars(train.build_parser().parse_args(words[2:]))
    assert resumed.pop("resume") is True
    original = vars(args)
    original.pop("resume")
    assert resumed == original                      # every setting, defaults included, comes back equal


def test_resume_command_quotes_an_interpreter_path_with_spaces(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/opt/my envs/bin/python")
    args = train.build_parser().parse_args(["encoder", "--out", str(tmp_path / "o")])
    assert rundir.resume_command(args).startswith("'/opt/my envs/bin/python' ")


# ---------------------------------------------------------------------------- one run per --out
def test_a_second_run_into_a_held_out_directory_is_refused_naming_the_holder(tmp_path, capsys):
    import fcntl
    out = tmp_path / "run"
    out.mkdir()
    with open(out / rundir.LOCK_NAME, "w") as held:                  # a live run holds the lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        code = train.main(["onehot", "--corpus", CORPUS, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "is in use by another train.py run (process 4242)" in err and err.count("\n") == 1
    assert os.listdir(out) == [rundir.LOCK_NAME]                      # nothing written


def test_a_lock_left_by_a_dead_run_is_taken_over(tmp_path, monkeypatch):
    out = tmp_path / "run"
    out.mkdir()
    (out / rundir.LOCK_NAME).write_text("999999\n")                  # its process is gone: no flock held
    seen, real_lock = [], rundir.lock_out_dir
    monkeypatch.setattr(rundir, "lock_out_dir",
                        lambda path: [real_lock(path), seen.append((out / rundir.LOCK_NAME).read_text())])
    assert train.main(["onehot", "--corpus", CORPUS, "--out", str(out)]) == 0
    assert seen == [f"{os.getpid()}\n"]                             # taken over, with our pid
    assert (out / "vocab.tsv").exists()
    assert not (out / rundir.LOCK_NAME).exists()                      # a finished run leaves no lock file
    assert train.main(["onehot", "--corpus", CORPUS, "--out", str(out), "--overwrite"]) == 0   # released


def test_two_live_processes_cannot_share_an_out_directory(tmp_path):
    out = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "train.py", *ENCODER, "--corpus", CORPUS, "--out", str(out)],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = Stderr(first.stderr)
    try:
        stderr.wait_for(r"\| *[1-9]\d*/1500 ", first)
        second = subprocess.run([sys.executable, "train.py", *ENCODER, "--corpus", CORPUS, "--out", str(out),
                                 "--overwrite"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert f"is in use by another train.py run (process {first.pid})" in second.stderr
    finally:
        first.kill()
        first.wait()
