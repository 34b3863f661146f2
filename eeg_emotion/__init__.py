"""eeg-emotion: real-time EEG emotion recognition."""

__version__ = "0.1.0"
