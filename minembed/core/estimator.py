"""scikit-learn's estimator protocol, spoken without importing scikit-learn.

Everything scikit-learn's tools (``clone``, ``Pipeline``, ``cross_val_score``, ``GridSearchCV``,
``check_is_fitted``) ask of an estimator is duck-typed, so a plain class can answer it:

* ``get_params(deep=True)`` -> dict of the constructor's arguments, ``set_params(**params)`` ->
  self. ``clone(est)`` is ``type(est)(**est.get_params(deep=False))``; ``GridSearchCV`` tries
  settings with ``set_params``.
* ``__sklearn_is_fitted__()`` -> bool, read by ``check_is_fitted``; ``__sklearn_tags__()`` ->
  a ``sklearn.utils.Tags`` saying what input the estimator takes. Only scikit-learn calls these,
  so the second may import it: that happens when scikit-learn is already running.
* A fitted attribute used before ``fit`` raises :class:`NotFittedError`, which is a ``ValueError``
  and an ``AttributeError``, as scikit-learn's is: ``except ValueError`` catches it and
  ``hasattr(est, ...)`` is False, as with a scikit-learn estimator.

:class:`Estimator` holds these for minembed's vectorizers and :class:`~minembed.onehot.OneHotEncoder`.
"""


class NotFittedError(ValueError, AttributeError):
    """A fitted attribute was used before ``fit`` (the bases of ``sklearn.exceptions.NotFittedError``)."""


class Estimator:
    """Mixin: ``get_params`` / ``set_params`` over ``PARAM_NAMES``, the fitted check, scikit-learn's tags.

    A subclass sets ``PARAM_NAMES`` (its constructor's arguments, stored under the same names),
    ``FITTED`` (an attribute that ``fit`` sets) and ``INPUT_TAGS`` (fields of scikit-learn's
    ``InputTags``), and checks its settings in ``_check_params`` (raise ValueError).
    """

    PARAM_NAMES = ()
    FITTED = None
    INPUT_TAGS = {}

    def get_params(self, deep=True):
        """The constructor settings as a dict. ``deep`` is accepted for scikit-learn: these
        estimators hold no other estimator whose settings would be listed too."""
        return {name: getattr(self, name) for name in self.PARAM_NAMES}

    def set_params(self, **params):
        """Change constructor settings, as ``GridSearchCV`` does; a refused value changes nothing. Returns self.

        >>> from minembed import CountVectorizer
        >>> CountVectorizer().set_params(min_df=2).min_df
        2
        """
        unknown = sorted(set(params) - set(self.PARAM_NAMES))
        if unknown:
            raise ValueError(f"invalid parameter {unknown[0]!r} for {type(self).__name__}; valid parameters "
                             f"are {list(self.PARAM_NAMES)}")
        previous = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params()
        except (TypeError, ValueError):
            for name, value in previous.items():               # refused: keep the old settings
                setattr(self, name, value)
            raise
        return self

    def _check_params(self):
        """Raise ValueError for a bad setting (subclasses)."""

    def _fitted(self, name):
        """``getattr(self, name)``, or NotFittedError if ``fit`` has not set it yet."""
        if not hasattr(self, name):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(documents) or "
                                 "fit_transform(documents) first")
        return getattr(self, name)

    def __sklearn_is_fitted__(self):
        return hasattr(self, self.FITTED)

    def __sklearn_tags__(self):
        """A transformer that needs fit and no labels, with ``INPUT_TAGS`` (called by scikit-learn >= 1.6 only)."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags
        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), input_tags=InputTags(**self.INPUT_TAGS))
