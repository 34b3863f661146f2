"""`eeg-emotion synth` never replaces a file it would write unless --overwrite is given."""

from __future__ import annotations

from eeg_emotion.cli import main


def test_synth_refuses_any_existing_file_it_would_write(tmp_path, capsys):
    out = tmp_path / "deap"
    argv = ["synth", "deap", "--out", str(out), "--subjects", "1", "--trials", "1",
            "--seconds", "1"]
    assert main(argv) == 0
    before = (out / "s01.dat").read_bytes()
    assert main([*argv, "--seed", "5"]) == 2  # the very same file names: refused
    err = capsys.readouterr().err
    assert "already holds s01.dat" in err and "nothing was overwritten" in err
    assert "--overwrite" in err and (out / "s01.dat").read_bytes() == before
    assert main([*argv, "--seed", "5", "--overwrite"]) == 0
    assert (out / "s01.dat").read_bytes() != before


def test_a_real_looking_dataset_is_never_replaced_silently(tmp_path, capsys):
    real = tmp_path / "data_preprocessed_python"
    real.mkdir()
    (real / "s01.dat").write_bytes(b"a real DEAP subject")  # no synthetic.json beside it
    # refused before anything is generated, even at full size (3.3 GB)
    assert main(["synth", "deap", "--out", str(real), "--full-size"]) == 2
    err = capsys.readouterr().err
    assert "they may be a real dataset" in err
    assert (real / "s01.dat").read_bytes() == b"a real DEAP subject"
    assert sorted(p.name for p in real.iterdir()) == ["s01.dat"]


def test_seed_iv_and_demo_refuse_too(tmp_path, capsys):
    seed = ["synth", "seed-iv", "--out", str(tmp_path / "s"), "--subjects", "1", "--trials",
            "1", "--seconds", "4", "--sessions", "1", "--no-features"]
    assert main(seed) == 0 and main(seed) == 2
    assert "eeg_raw_data/1/1_" in capsys.readouterr().err
    assert main([*seed, "--overwrite"]) == 0
    demo = ["synth", "demo", "--out", str(tmp_path / "d"), "--trials", "1", "--seconds", "1"]
    assert main(demo) == 0 and main(demo) == 2
    assert "s01.dat" in capsys.readouterr().err
