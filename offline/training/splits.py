"""Train/test splits made over whole trials, and a guard against leakage.

Every split here works on per-sample group arrays (one entry per window or per
trial: its trial id, subject and session) and returns sample indices. Samples
are always grouped by trial, so the windows of one trial stay on one side of a
split, as DATASETS.md "Honest evaluation" requires. Each split is checked by
:func:`assert_no_leakage` before it is returned.

Split kinds, named plainly in every report:

``cross-subject``
    k folds grouped by subject (the ScalingNet protocol): no test subject is seen
    in training.
``leave-one-subject-out``
    one fold per subject.
``subject-dependent``
    within each subject, k folds by trial; a subject's other trials train.
``trial-wise``
    "k-fold over all trials", grouped by trial only, so a test subject's other
    trials are in training. NOT cross-subject; offered for comparison with
    papers that use it.
``cross-session``
    train on some sessions, test on another (per subject or pooled).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from eeg_emotion.errors import ConfigError, EEGEmotionError

log = logging.getLogger(__name__)

SPLIT_KINDS = ("cross-subject", "leave-one-subject-out", "subject-dependent", "trial-wise",
               "cross-session")


class LeakageError(EEGEmotionError):
    """A split puts the same trial (or subject, or session) on both sides."""


@dataclass(frozen=True)
class Split:
    """One train/test split of samples.

    Parameters
    ----------
    name : str
        Short unique name, used for files (``"fold1"``, ``"s1s2-s3"``).
    kind : str
        One of :data:`SPLIT_KINDS`.
    train, test : numpy.ndarray of int64
        Sample indices.
    description : str
        One line saying what is held out.
    """

    name: str
    kind: str
    train: np.ndarray
    test: np.ndarray
    description: str = ""
    info: dict = field(default_factory=dict)


def assert_no_leakage(train_idx: np.ndarray, test_idx: np.ndarray, trial_id: np.ndarray, *,
                      subject: np.ndarray | None = None,
                      session: np.ndarray | None = None, what: str = "split") -> None:
    """Refuse a split whose two sides share a trial (or subject, or session).

    Parameters
    ----------
    train_idx, test_idx : numpy.ndarray of int
        Sample indices of the two sides.
    trial_id : numpy.ndarray
        Trial id of every sample (unique across subjects and sessions).
    subject : numpy.ndarray | None
        Subject of every sample; when given, no subject may be on both sides
        (cross-subject splits).
    session : numpy.ndarray | None
        Session of every sample; when given, no session may be on both sides
        (cross-session splits; pass per-subject session keys for pooled ones).
    what : str
        Name of the split, for the error message.

    Raises
    ------
    LeakageError
        If the sides overlap in samples, trials, subjects or sessions.
    """
    train_idx = np.asarray(train_idx)
    test_idx = np.asarray(test_idx)
    checks = [("sample", np.arange(len(trial_id))), ("trial", np.asarray(trial_id))]
    if subject is not None:
        checks.append(("subject", np.asarray(subject)))
    if session is not None:
        checks.append(("session", np.asarray(session)))
    for name, groups in checks:
        shared = np.intersect1d(groups[train_idx], groups[test_idx])
        if shared.size:
            shown = ", ".join(map(str, shared[:5])) + (" ..." if shared.size > 5 else "")
            raise LeakageError(
                f"{what}: {shared.size} {name}(s) are in both the training and the test "
                f"set ({shown}); windows of one {name} on both sides inflate accuracy",
                f"split by {name} before windowing "
                "(use the functions of eeg_emotion.offline.training.splits)")


class TooFewGroups(ConfigError):
    """The data have fewer than two of the groups a protocol splits by: no number of
    folds helps (the caller knows which protocol would).

    Attributes
    ----------
    group : str
        ``"subject"`` or ``"trial"``.
    """

    def __init__(self, problem: str, fix: str, group: str) -> None:
        super().__init__(problem, fix)
        self.group = group


def _check_folds(n_folds: int, n_groups: int, what: str, group: str = "subject") -> None:
    if n_groups < 2:
        raise TooFewGroups(f"{what}: the data have {n_groups} {group}, and a split by "
                           f"{group} needs at least 2", f"add data of more {group}s, or use "
                           f"a protocol that does not split by {group}", group)
    if n_folds < 2 or n_folds > n_groups:
        raise ConfigError(f"{what}: {n_folds} folds for {n_groups} {group}s to split",
                          f"set protocol.folds (or --folds) to a number from 2 to {n_groups}")


def _group_folds(groups: np.ndarray, n_folds: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle unique groups and deal them round-robin into folds of sample indices."""
    uniq = np.unique(groups)
    order = rng.permutation(uniq)
    fold_of_group = {g: i % n_folds for i, g in enumerate(order)}
    fold = np.fromiter((fold_of_group[g] for g in groups), dtype=np.int64, count=len(groups))
    return [np.flatnonzero(fold == k) for k in range(n_folds)]


def _kfold(groups: np.ndarray, trial_id: np.ndarray, n_folds: int, seed: int, kind: str, *,
           describe: Callable[[int, np.ndarray], str],
           subject: np.ndarray | None = None) -> list[Split]:
    """k folds of whole ``groups`` (subjects, or trials), each tested once, leakage-checked."""
    _check_folds(n_folds, len(np.unique(groups)), f"{kind} k-fold",
                 "subject" if subject is not None else "trial")
    folds = _group_folds(groups, n_folds, np.random.default_rng(seed))
    all_idx = np.arange(len(groups))
    splits = []
    for k, test in enumerate(folds):
        train = np.setdiff1d(all_idx, test)
        name = f"fold{k + 1}"
        assert_no_leakage(train, test, trial_id, subject=subject, what=name)
        splits.append(Split(name, kind, train, test, describe(k, test)))
    return splits


def cross_subject_kfold(subject: np.ndarray, trial_id: np.ndarray, n_folds: int = 5,
                        seed: int = 0) -> list[Split]:
    """k-fold cross-validation with folds grouped by subject.

    Parameters
    ----------
    subject, trial_id : numpy.ndarray
        Subject and trial id of every sample.
    n_folds : int
        Number of folds.
    seed : int
        Seed of the subject shuffle.

    Returns
    -------
    list of Split
    """
    subject = np.asarray(subject)
    return _kfold(subject, trial_id, n_folds, seed, "cross-subject", subject=subject,
                  describe=lambda k, test: "test subjects "
                  + ", ".join(map(str, np.unique(subject[test]))))


def leave_one_subject_out(subject: np.ndarray, trial_id: np.ndarray) -> list[Split]:
    """One fold per subject: train on all others, test on it.

    Parameters
    ----------
    subject, trial_id : numpy.ndarray
        Subject and trial id of every sample.

    Returns
    -------
    list of Split
    """
    subject = np.asarray(subject)
    uniq = np.unique(subject)
    _check_folds(len(uniq), len(uniq), "leave-one-subject-out")
    splits = []
    for s in uniq:
        test = np.flatnonzero(subject == s)
        train = np.flatnonzero(subject != s)
        name = f"subject{s}"
        assert_no_leakage(train, test, trial_id, subject=subject, what=name)
        splits.append(Split(name, "leave-one-subject-out", train, test, f"test subject {s}"))
    return splits


def subject_dependent_kfold(subject: np.ndarray, trial_id: np.ndarray, n_folds: int = 5,
                            seed: int = 0, per_subject: bool = False) -> list[Split]:
    """Within each subject, k folds by trial.

    Parameters
    ----------
    subject, trial_id : numpy.ndarray
        Subject and trial id of every sample.
    n_folds : int
        Folds per subject.
    seed : int
        Seed of the trial shuffle.
    per_subject : bool
        True: one split per (subject, fold), training on that subject only.
        False: fold k pools every subject's k-th trial fold (one model for all
        subjects, still never testing on a trained trial).

    Returns
    -------
    list of Split
    """
    subject = np.asarray(subject)
    trial_id = np.asarray(trial_id)
    rng = np.random.default_rng(seed)
    fold = np.full(len(subject), -1, dtype=np.int64)
    for s in np.unique(subject):
        rows = np.flatnonzero(subject == s)
        _check_folds(n_folds, len(np.unique(trial_id[rows])), f"subject-dependent k-fold, "
                     f"subject {s}", "trial")
        for k, idx in enumerate(_group_folds(trial_id[rows], n_folds, rng)):
            fold[rows[idx]] = k
    splits = []
    groups = [(s, np.flatnonzero(subject == s)) for s in np.unique(subject)] if per_subject \
        else [(None, np.arange(len(subject)))]
    for s, rows in groups:
        for k in range(n_folds):
            test = rows[fold[rows] == k]
            train = rows[fold[rows] != k]
            name = f"fold{k + 1}" if s is None else f"subject{s}-fold{k + 1}"
            assert_no_leakage(train, test, trial_id, what=name)
            desc = f"trial fold {k + 1} of every subject" if s is None \
                else f"trial fold {k + 1} of subject {s}"
            splits.append(Split(name, "subject-dependent", train, test, desc))
    return splits


def trialwise_kfold(trial_id: np.ndarray, n_folds: int = 5, seed: int = 0) -> list[Split]:
    """k-fold over all trials, grouped by trial only (NOT cross-subject).

    The "5-fold CV over 1280 DEAP trials" of some papers: a test subject's other
    trials are in the training set. Reports label it ``trial-wise``.

    Parameters
    ----------
    trial_id : numpy.ndarray
        Trial id of every sample.
    n_folds : int
        Number of folds.
    seed : int
        Seed of the trial shuffle.

    Returns
    -------
    list of Split
    """
    trial_id = np.asarray(trial_id)
    return _kfold(trial_id, trial_id, n_folds, seed, "trial-wise",
                  describe=lambda k, test: f"trial fold {k + 1} over all subjects "
                  "(not cross-subject)")


def session_orderings(sessions: Sequence[int]) -> list[tuple[tuple[int, ...], int]]:
    """Every (train sessions, test session) pair holding one session out.

    Parameters
    ----------
    sessions : sequence of int
        Available sessions, e.g. ``(1, 2, 3)``.

    Returns
    -------
    list of (tuple of int, int)
        ``[((1, 2), 3), ((1, 3), 2), ((2, 3), 1)]`` for three sessions.
    """
    uniq = sorted(set(sessions))
    if len(uniq) < 2:
        raise ConfigError(f"cross-session needs at least 2 sessions, the data have {uniq}",
                          "use a dataset with several sessions (SEED-IV has 3)")
    return [(tuple(tr), next(s for s in uniq if s not in tr))
            for tr in combinations(uniq, len(uniq) - 1)]


def cross_session(session: np.ndarray, subject: np.ndarray, trial_id: np.ndarray,
                  train_sessions: Sequence[int], test_session: int,
                  per_subject: bool = False) -> list[Split]:
    """Train on ``train_sessions``, test on ``test_session``.

    Parameters
    ----------
    session, subject, trial_id : numpy.ndarray
        Session, subject and trial id of every sample.
    train_sessions : sequence of int
        Sessions used for training.
    test_session : int
        Held-out session.
    per_subject : bool
        True: one split per subject (its own sessions only). False: pooled over
        subjects.

    Returns
    -------
    list of Split
    """
    session = np.asarray(session)
    subject = np.asarray(subject)
    available = set(np.unique(session).tolist())
    wanted = {*train_sessions, test_session}
    if not wanted <= available:
        raise ConfigError(f"cross-session: session(s) {sorted(wanted - available)} not in the "
                          f"data (sessions present: {sorted(available)})",
                          "fix protocol.train_sessions / protocol.test_session")
    if test_session in train_sessions:
        raise ConfigError(f"cross-session: test session {test_session} is also a training "
                          "session", "pick a test session not in protocol.train_sessions")
    tag = "s" + "s".join(map(str, train_sessions)) + f"-s{test_session}"
    groups = [(s, subject == s) for s in np.unique(subject)] if per_subject \
        else [(None, np.ones(len(subject), dtype=bool))]
    # key (subject, session) so pooled splits check sessions of each subject
    sess_key = subject.astype(str).astype(object) + "/" + session.astype(str).astype(object)
    splits = []
    for s, rows in groups:
        train = np.flatnonzero(rows & np.isin(session, list(train_sessions)))
        test = np.flatnonzero(rows & (session == test_session))
        if not train.size or not test.size:
            raise ConfigError(f"cross-session {tag}: subject {s} has no data for a side",
                              "check that every subject has all sessions")
        name = tag if s is None else f"subject{s}-{tag}"
        assert_no_leakage(train, test, trial_id, session=sess_key, what=name)
        who = "all subjects" if s is None else f"subject {s}"
        splits.append(Split(name, "cross-session", train, test,
                            f"train sessions {list(train_sessions)}, test session "
                            f"{test_session}, {who}",
                            {"train_sessions": list(train_sessions),
                             "test_session": test_session}))
    return splits


def inner_validation_split(train_idx: np.ndarray, groups: np.ndarray, fraction: float = 0.2,
                           seed: int = 0, trial_id: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Hold out whole groups of the training samples for early stopping.

    Parameters
    ----------
    train_idx : numpy.ndarray of int
        Training sample indices of an outer split (test data never enter).
    groups : numpy.ndarray
        Group of every sample (all samples, not only ``train_idx``): subjects for
        cross-subject protocols, trials otherwise.
    fraction : float
        Share of the groups held out (at least one group, at most all but one).
    seed : int
        Seed of the group shuffle.
    trial_id : numpy.ndarray | None
        When given, the split is checked for shared trials.

    Returns
    -------
    fit_idx, val_idx : numpy.ndarray of int64
    """
    train_idx = np.asarray(train_idx)
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"validation fraction must be in (0, 1), got {fraction}",
                          "set train.val_fraction to e.g. 0.2")
    g = np.asarray(groups)[train_idx]
    uniq = np.unique(g)
    if len(uniq) < 2:
        raise ConfigError(f"cannot hold out a validation group: the training data have only "
                          f"{len(uniq)} group(s)", "use more subjects/trials or fewer folds")
    n_val = int(np.clip(round(fraction * len(uniq)), 1, len(uniq) - 1))
    val_groups = np.random.default_rng(seed).permutation(uniq)[:n_val]
    is_val = np.isin(g, val_groups)
    fit, val = train_idx[~is_val], train_idx[is_val]
    if trial_id is not None:
        assert_no_leakage(fit, val, trial_id, what="inner validation split")
    return fit, val
