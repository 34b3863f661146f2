"""Where estimates go besides the dashboard: JSON lines, LSL, OSC, a recording.

- :mod:`.headless`: one JSON object per line (info, estimates, gaps, summary);
- :mod:`.outlet`: the estimates as the LSL stream ``eeg-emotion``;
- :mod:`.osc_output`: the estimates as OSC messages over UDP;
- :mod:`.estimate_forwarder`: hands each new estimate to outputs from a thread;
- :mod:`.recording`: crash-safe recording of the raw stream, markers and estimates.
"""
