"""The run report: the network beside its baselines."""

from eeg_emotion.offline.training.report import losses_to_baselines


def _summary(acc):
    return {"emotion": {"accuracy": {"mean": acc, "std": 0.0}}}


def test_the_report_says_by_how_much_the_network_is_below_each_baseline():
    run = {"model": "msmae-cnn", "summary": _summary(0.60),
           "baseline_summaries": {"random_forest": _summary(0.55),
                                  "logistic_regression": _summary(0.69)}}
    assert losses_to_baselines(run) == [
        "emotion: MSMAE-CNN below the logistic regression by 0.090 (0.600 vs 0.690)"]
    old = {"model": "msmae-cnn", "summary": _summary(0.5),
           "baseline_summary": _summary(0.6)}  # a run folder from before the second baseline
    assert losses_to_baselines(old) == [
        "emotion: MSMAE-CNN below the Random Forest by 0.100 (0.500 vs 0.600)"]
