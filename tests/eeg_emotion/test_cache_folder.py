"""The cache folder follows $EEG_EMOTION_CACHE, then $XDG_CACHE_HOME."""

from eeg_emotion.cache_folder import cache_dir


def test_default_cache_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("EEG_EMOTION_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("EEG_EMOTION_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "eeg-emotion"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir().name == "eeg-emotion"
