import minembed


def test_package_imports():
    assert minembed.Tokenizer().tokenize("Hello, World") == ["hello", "world"]
