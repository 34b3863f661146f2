"""Splits are grouped by trial/subject/session, and the leakage guard catches leaks."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.training import splits as sp


def _design(n_subjects=6, n_sessions=1, n_trials=8, n_windows=3):
    """Per-window subject, session and globally unique trial id."""
    sub, ses, _tri = np.meshgrid(np.arange(1, n_subjects + 1), np.arange(1, n_sessions + 1),
                                np.arange(n_trials), indexing="ij")
    trial_id = np.arange(sub.size)
    rep = lambda a: np.repeat(a.ravel(), n_windows)  # noqa: E731
    return rep(sub), rep(ses), rep(trial_id)


def _covers_once(splits, n):
    tests = np.concatenate([s.test for s in splits])
    return np.array_equal(np.sort(tests), np.arange(n))


def test_cross_subject_folds_hold_out_whole_subjects():
    subject, _, trial = _design()
    splits = sp.cross_subject_kfold(subject, trial, n_folds=3, seed=1)
    assert len(splits) == 3 and _covers_once(splits, len(subject))
    for s in splits:
        assert not set(subject[s.train]) & set(subject[s.test])
        assert len(s.train) + len(s.test) == len(subject)
        assert s.kind == "cross-subject"


def test_cross_subject_is_seeded():
    subject, _, trial = _design()
    a = sp.cross_subject_kfold(subject, trial, 3, seed=5)
    b = sp.cross_subject_kfold(subject, trial, 3, seed=5)
    assert all(np.array_equal(x.test, y.test) for x, y in zip(a, b, strict=True))


def test_loso_one_fold_per_subject():
    subject, _, trial = _design(n_subjects=4)
    splits = sp.leave_one_subject_out(subject, trial)
    assert [np.unique(subject[s.test]).tolist() for s in splits] == [[1], [2], [3], [4]]
    assert _covers_once(splits, len(subject))


@pytest.mark.parametrize("per_subject", [False, True])
def test_subject_dependent_keeps_trials_whole(per_subject):
    subject, _, trial = _design(n_subjects=3, n_trials=10)
    splits = sp.subject_dependent_kfold(subject, trial, n_folds=5, per_subject=per_subject)
    assert len(splits) == (15 if per_subject else 5)
    assert _covers_once(splits, len(subject))
    for s in splits:
        assert not set(trial[s.train]) & set(trial[s.test])
        # every test subject has training trials of its own
        assert set(subject[s.test]) <= set(subject[s.train])
        if per_subject:
            assert len(set(subject[s.train]) | set(subject[s.test])) == 1


def test_trialwise_is_not_cross_subject_but_is_trial_grouped():
    subject, _, trial = _design()
    splits = sp.trialwise_kfold(trial, n_folds=4)
    assert all(s.kind == "trial-wise" and "not cross-subject" in s.description for s in splits)
    for s in splits:
        assert not set(trial[s.train]) & set(trial[s.test])
    assert _covers_once(splits, len(subject))


def test_cross_session_orderings_and_pooling():
    subject, session, trial = _design(n_subjects=3, n_sessions=3, n_trials=4)
    assert sp.session_orderings([1, 2, 3]) == [((1, 2), 3), ((1, 3), 2), ((2, 3), 1)]
    pooled = sp.cross_session(session, subject, trial, (1, 2), 3)
    assert len(pooled) == 1 and pooled[0].name == "s1s2-s3"
    assert set(session[pooled[0].test]) == {3} and set(session[pooled[0].train]) == {1, 2}
    per = sp.cross_session(session, subject, trial, (2, 3), 1, per_subject=True)
    assert len(per) == 3
    for s in per:
        assert len(set(subject[s.train]) | set(subject[s.test])) == 1
        assert set(session[s.test]) == {1}


def test_cross_session_bad_sessions():
    subject, session, trial = _design(n_sessions=2)
    with pytest.raises(ConfigError, match="not in the data"):
        sp.cross_session(session, subject, trial, (1, 2), 3)
    with pytest.raises(ConfigError, match="also a training"):
        sp.cross_session(session, subject, trial, (1, 2), 2)


def test_inner_validation_uses_only_training_groups():
    subject, _, trial = _design(n_subjects=6)
    outer = sp.cross_subject_kfold(subject, trial, 3)[0]
    fit, val = sp.inner_validation_split(outer.train, subject, 0.25, trial_id=trial)
    assert set(fit) | set(val) == set(outer.train)
    assert not set(subject[fit]) & set(subject[val])
    assert not set(val) & set(outer.test)


def test_leakage_guard_catches_shared_trial():
    _, _, trial = _design()
    # windows 0,1,2 are trial 0: a window-level split puts them on both sides
    train, test = np.arange(0, 2), np.arange(2, 10)
    with pytest.raises(sp.LeakageError, match=r"1 trial\(s\) are in both"):
        sp.assert_no_leakage(train, test, trial)


def test_leakage_guard_catches_shared_subject_and_session():
    subject, session, trial = _design(n_sessions=2)
    a = np.flatnonzero((subject == 1) & (trial % 2 == 0))
    b = np.flatnonzero((subject == 1) & (trial % 2 == 1))
    sp.assert_no_leakage(a, b, trial)  # trial-grouped: fine
    with pytest.raises(sp.LeakageError, match="subject"):
        sp.assert_no_leakage(a, b, trial, subject=subject)
    c = np.flatnonzero(session == 1)
    d = np.flatnonzero((session == 1) & (trial > 1000))  # empty side -> fine
    sp.assert_no_leakage(c, d, trial, session=session)
    with pytest.raises(sp.LeakageError, match="session"):
        sp.assert_no_leakage(c[:3], c[3:], np.arange(len(trial)), session=session)


def test_bad_fold_counts():
    subject, _, trial = _design(n_subjects=3)
    with pytest.raises(ConfigError, match="5 folds for 3 subjects") as err:
        sp.cross_subject_kfold(subject, trial, 5)
    assert err.value.fix.endswith("to a number from 2 to 3")
    with pytest.raises(ConfigError, match="1 folds for") as err:
        sp.trialwise_kfold(trial, 1)
    assert "from 2 to" in err.value.fix
    # one subject: no number of folds helps, and the error says so (it never asks for
    # "at most 1", which "at least 2" would then refuse)
    one = np.zeros_like(subject)
    with pytest.raises(sp.TooFewGroups, match="1 subject, and a split by subject needs "
                                              "at least 2") as err:
        sp.cross_subject_kfold(one, trial, 5)
    assert err.value.group == "subject" and "at most" not in err.value.fix
    with pytest.raises(ConfigError, match="fraction"):
        sp.inner_validation_split(np.arange(5), subject, 1.5)
