"""Synthetic DEAP and SEED-IV datasets in the exact published file formats.

Modules: :mod:`.signals` (the generator), :mod:`.deap` (DEAP subjects and the
demo recording), :mod:`.seed_iv` (SEED-IV raw and feature files), :mod:`.files`
(the synthetic marker, refusing to overwrite, atomic writes).

The data are coloured noise with a known, learnable emotion structure, so the
whole pipeline (readers, preprocessing, training, replay) can be run and tested
without the real datasets. Every signal is a sum of components, each normalised
to unit variance per trial and channel and scaled by a gain in µV:

* background: 1/f^beta noise (beta per subject, 0.9-1.5);
* theta (~6 Hz), alpha (the subject's individual alpha frequency, 9-11 Hz),
  beta (~20 Hz) and gamma (~38 Hz): narrow-band Gaussian noise.

The structure lives in the *relative* band powers within a channel, so it survives
the 4-45 Hz filter and per-window z-scoring:

* DEAP, with ``v = (rating - 5) / 4`` in [-1, 1] for each scale:

  - valence: frontal alpha asymmetry: alpha gain of left frontal channels
    ``* exp(-0.35 v)``, of right frontal channels ``* exp(+0.35 v)``;
  - arousal: beta gain everywhere ``* exp(0.35 a)``, alpha ``* exp(-0.2 a)``;
  - dominance: theta gain on central and midline channels ``* exp(0.6 d)``;
  - liking: no signal of its own (it is drawn correlated with valence).

  The first 3 s of each trial (the baseline) have no emotion modulation; the
  modulation fades in over 0.5 s.
* SEED-IV classes (0 neutral, 1 sad, 2 fear, 3 happy) scale band gains by region
  (times :data:`SEED_CLASS_SCALE`): neutral none; sad more theta and alpha, less
  beta; fear more beta and temporal gamma, less alpha; happy more temporal beta/gamma
  and right-frontal alpha.

Subjects differ (random channel gains, background slope, alpha frequency,
reactivity, their own band balance and frontal alpha asymmetry), so cross-subject
protocols are meaningful: learnable, not trivial. Each SEED-IV recording session
shifts every rhythm's gain and the whole signal's (broadband) gain, so that, as in
the real ``de_LDS`` files (shared/DATASETS.md), the session offset of channel-averaged
DE (sd about 0.5-0.85 over sessions) is several times the spread of the four class
means within a session (0.04-0.65, band by band). Per-trial gain noise (per channel,
plus a state shared by all channels) keeps single trials ambiguous. For scale: with
default sizes, a logistic regression on window DE features, leave-one-subject-out,
reached 0.59 (valence), 0.78 (arousal), 0.81 (dominance) on DEAP against a 0.51-0.53
majority rate; on SEED-IV (4 subjects x 3 sessions x 24 trials of 30 s), a Random
Forest on the de_LDS files, leave-one-session-out, reached 0.35 against 0.25 chance,
and 0.46 with each session's features standardised (session normalisation).

Generation is vectorised over trials and channels: one inverse FFT per component
(DEAP, whose baseline needs its own gains) or per trial (SEED-IV, whose components
are merged into one spectrum).
"""
