"""Test helper run as a subprocess: publish EEG exactly as a headset's own program does.

Each ``--mode`` reproduces one publisher's LSL layout, read from that program's source
(the file is named in each function): stream name, type, source id, channel count,
format, rate, the ``<channels>`` description (which element holds the label, the
type, the unit), companion outlets and how samples are pushed and stamped. The EEG
itself is a real Muse recording (``tests/data/muse``, MIT; looped) where the layout
is a Muse's, and a synthetic alpha/beta signal elsewhere.

Prints ``READY`` once an inlet is connected to the EEG outlet (or after ``--wait``),
then publishes at real-time pace for ``--seconds`` and exits.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from eeg_emotion.lsl import import_pylsl

pylsl = import_pylsl()
MUSE_CSV = Path(__file__).resolve().parents[1] / "data" / "muse" / "muse_biopsykit_30s.csv.gz"


def real_muse() -> np.ndarray:
    """The real Muse recording: (5, n) µV, TP9 AF7 AF8 TP10 Right AUX at 256 Hz."""
    with gzip.open(MUSE_CSV, "rt") as f:
        return np.loadtxt(f, delimiter=",", skiprows=1)[:, 1:].T.astype(np.float32)


def synthetic(n_ch: int, n: int, sfreq: float, seed: int, offset: float = 0.0) -> np.ndarray:
    """EEG-like µV: alpha (10 Hz) and beta (20 Hz) rhythms in pink-ish noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sfreq
    noise = np.cumsum(rng.normal(0, 1.0, (n_ch, n)), axis=1)
    noise -= np.linspace(noise[:, 0], noise[:, -1], n, axis=1)  # no drift across the run
    phase = rng.uniform(0, 6, (n_ch, 1))
    alpha = rng.uniform(5, 15, (n_ch, 1)) * np.sin(2 * np.pi * 10 * t + phase)
    beta = 3.0 * np.sin(2 * np.pi * 20 * t + rng.uniform(0, 6, (n_ch, 1)))
    return (offset + 0.5 * noise + alpha + beta + rng.normal(0, 2, (n_ch, n))).astype(np.float32)


def _channels(info, rows: list[dict[str, str]]) -> None:
    chans = info.desc().append_child("channels")
    for row in rows:
        ch = chans.append_child("channel")
        for key, value in row.items():
            ch.append_child_value(key, value)


def _wait_ready(outlet, wait: float) -> None:
    outlet.wait_for_consumers(wait)
    print("READY", flush=True)


def _paced(n: int, sfreq: float, chunk: int):
    """Yield (start, stop) of chunks at real-time pace."""
    t0 = time.monotonic()
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        due = t0 + b / sfreq
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        yield a, b


# ---------------------------------------------------------------------------- muselsl

def muselsl(a: argparse.Namespace) -> None:
    """muselsl 2.x ``muselsl stream [-p -c -g] [--lsltime]``.

    ``muselsl/stream.py`` (``stream``: ``time_func = local_clock if lsl_time else time``;
    ``push``: one ``push_sample(data[:, ii], timestamps[ii])`` per sample) and
    ``muselsl/lsl_outlet.py`` (``build_outlet``: ``StreamInfo('Muse', descriptor.stype,
    n, rate, 'float32', 'Muse%s' % address)``, manufacturer ``Muse``, per channel
    ``label``, ``unit``, ``type``); ``muselsl/muse.py`` (``stream_descriptors``: EEG
    TP9 AF7 AF8 TP10 ``Right AUX`` in microvolts at 256 Hz, chunks of 12; PPG
    PPG1-3 in mmHg at 64 Hz; ACC X Y Z in g and GYRO X Y Z in dps at 52 Hz).
    Every outlet has the same name and source id.
    """
    address = a.address or "00:55:DA:B5:0E:1C"
    name = a.name or "Muse"
    clock = pylsl.local_clock if a.lsltime else time.time
    kinds = [("EEG", "EEG", ("TP9", "AF7", "AF8", "TP10", "Right AUX"), 256.0, 12,
              "microvolts")]
    if a.ppg:
        kinds.append(("PPG", "PPG", ("PPG1", "PPG2", "PPG3"), 64.0, 6, "mmHg"))
    if a.acc:
        kinds.append(("ACC", "accelerometer", ("X", "Y", "Z"), 52.0, 1, "g"))
    if a.gyro:
        kinds.append(("GYRO", "gyroscope", ("X", "Y", "Z"), 52.0, 1, "dps"))
    # muselsl makes every outlet before streaming; PPG/ACC/GYRO first here, so a reader
    # that takes the first stream it finds gets the wrong one
    outlets = {}
    for stype, ch_type, labels, rate, chunk, unit in reversed(kinds):
        info = pylsl.StreamInfo(name, stype, len(labels), rate, "float32", f"Muse{address}")
        info.desc().append_child_value("manufacturer", "Muse")
        _channels(info, [{"label": lab, "unit": unit, "type": ch_type} for lab in labels])
        outlets[stype] = (pylsl.StreamOutlet(info, chunk), rate, chunk, len(labels))
    eeg = np.tile(real_muse(), (1, int(np.ceil(a.seconds * 256 / 7680)) + 1))
    _wait_ready(outlets["EEG"][0], a.wait)
    n = round(a.seconds * 256)
    t_start = clock()
    others = {k: v for k, v in outlets.items() if k != "EEG"}
    sent = dict.fromkeys(others, 0)
    for start, stop in _paced(n, 256.0, 12):
        for k in range(start, stop):  # one push_sample per sample, as muselsl's push()
            outlets["EEG"][0].push_sample(eeg[:, k], t_start + k / 256.0)
        now = stop / 256.0
        for key, (outlet, rate, _, n_ch) in others.items():
            while sent[key] / rate < now:
                outlet.push_sample(np.zeros(n_ch, np.float32) + sent[key] % 7,
                                   t_start + sent[key] / rate)
                sent[key] += 1
    time.sleep(a.linger)


# ---------------------------------------------------------------------------- mne-lsl

def mne_lsl(a: argparse.Namespace) -> None:
    """mne-lsl's ``PlayerLSL`` playing a Raw of 4 EEG channels and a stim channel.

    ``mne_lsl/player/player_lsl.py`` (``StreamInfo(name, stype=ch_types[0] if
    len(ch_types) == 1 else "", ..., dtype=np.float64, source_id="MNE-LSL")``, then
    ``set_channel_info(raw.info)``; a ``<name>-annotations`` stream of type
    ``annotations`` with the same source id) and ``mne_lsl/lsl/stream_info.py``
    (``set_channel_info``: ``label``, MNE's ``type`` in lower case, ``unit`` as the
    power of ten ``unit_mul`` (``"0"``: volts, MNE's data being in volts), ``kind``,
    ``coil_type``, ``coord_frame``, ``range_cal``). Samples are stamped with
    ``local_clock()``.
    """
    labels = ["TP9", "AF7", "AF8", "TP10", "STI 014"]
    types = ["eeg"] * 4 + ["stim"]
    info = pylsl.StreamInfo(a.name, "", 5, 256.0, "double64", a.source_id or "MNE-LSL")
    _channels(info, [{"label": lab, "type": t, "unit": "0", "kind": "2" if t == "eeg" else "3",
                      "coil_type": "1" if t == "eeg" else "0", "coord_frame": "4",
                      "range_cal": "1.0"} for lab, t in zip(labels, types, strict=True)])
    filters = info.desc().append_child("filters")
    filters.append_child_value("highpass", "0.0")
    filters.append_child_value("lowpass", "128.0")
    outlet = pylsl.StreamOutlet(info)
    ann = pylsl.StreamInfo(f"{a.name}-annotations", "annotations", 1, 0.0, "string",
                           a.source_id or "MNE-LSL")
    annotations = pylsl.StreamOutlet(ann)
    eeg = real_muse()[:4] * 1e-6  # MNE holds volts
    reps = int(np.ceil(a.seconds * 256 / eeg.shape[1])) + 1
    data = np.vstack([np.tile(eeg, (1, reps)), np.zeros((1, eeg.shape[1] * reps))])
    _wait_ready(outlet, a.wait)
    n = round(a.seconds * 256)
    t0 = pylsl.local_clock()
    for start, stop in _paced(n, 256.0, 16):
        outlet.push_chunk(np.ascontiguousarray(data[:, start:stop].T),
                          (t0 + np.arange(start, stop) / 256.0).tolist())
        if start % 2560 == 0:
            annotations.push_sample(["rest"], t0 + start / 256.0)
    time.sleep(a.linger)


# ---------------------------------------------------------------------------- unicorn

def unicorn(a: argparse.Namespace) -> None:
    """g.tec's Unicorn LSL app, "combine signals" (its default).

    ``Unicorn-Network-Interfaces-Hybrid-Black/LSL/Unicorn LSL/UnicornLSL/MainUI.cs``
    (``ConnectionThread_DoWork``: ``new liblsl.StreamInfo(streamName, "Data",
    GetNumberOfAcquiredChannels(), Unicorn.SamplingRate, cf_float32, serial)``, the
    stream name defaulting to the serial; no channel description;
    ``AcquisitionThread_DoWork``: one ``push_sample`` per frame, no timestamp).
    Channel order of the Unicorn C API (``unicorn.h``): EEG 1-8, accelerometer X Y Z
    (g), gyroscope X Y Z (deg/s), battery (%), counter, validation indicator.
    """
    serial = a.source_id or "UN-2021.05.36"
    info = pylsl.StreamInfo(a.name or serial, "Data", 17, 250.0, "float32", serial)
    outlet = pylsl.StreamOutlet(info)
    n = round(a.seconds * 250)
    data = np.zeros((17, n), np.float32)
    data[:8] = synthetic(8, n, 250.0, a.seed)
    data[8:11] = np.array([[0.01], [-0.02], [0.98]])  # at rest: gravity on z
    data[11:14] = np.random.default_rng(1).normal(0, 0.3, (3, n))
    data[14] = 87.5
    data[15] = np.arange(n)
    data[16] = 1.0
    _wait_ready(outlet, a.wait)
    for start, _ in _paced(n, 250.0, 1):
        outlet.push_sample(data[:, start])
    time.sleep(a.linger)


# ---------------------------------------------------------------------------- explorepy

def explorepy(a: argparse.Namespace) -> None:
    """Mentalab explorepy's ``LslServer``.

    ``explorepy/src/explorepy/tools.py`` (``LslServer.initialize_outlets``:
    ``StreamInfo(name=device_name + "_ExG", type='ExG', channel_count=n,
    nominal_srate=fs, channel_format='float32', source_id=device_name + "_ExG")``,
    manufacturer ``Mentalab``, per channel ``name`` (not ``label``), ``unit``
    ``uV`` and ``type`` ``ExG``; ``_ORN`` (type ``ORN``, 13 channels at 20 Hz) and
    ``_Marker`` (type ``Markers``) outlets beside it; ``push_exg``: ``push_chunk``
    without timestamps). The channel names are the user's (``set_channels`` /
    ``SettingsManager``), here 10-20 names.
    """
    device = a.name or "Explore_8441"
    names = a.labels.split(",") if a.labels else \
        ["F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]
    info = pylsl.StreamInfo(f"{device}_ExG", "ExG", len(names), 250.0, "float32",
                            f"{device}_ExG")
    info.desc().append_child_value("manufacturer", "Mentalab")
    _channels(info, [{"name": nm, "unit": "uV", "type": "ExG"} for nm in names])
    orn = pylsl.StreamInfo(f"{device}_ORN", "ORN", 13, 20.0, "float32", f"{device}_ORN")
    marker = pylsl.StreamInfo(f"{device}_Marker", "Markers", 1, 0.0, "string",
                              f"{device}_Markers")
    outlets = [pylsl.StreamOutlet(orn), pylsl.StreamOutlet(marker)]
    outlet = pylsl.StreamOutlet(info)
    n = round(a.seconds * 250)
    data = synthetic(len(names), n, 250.0, a.seed)
    _wait_ready(outlet, a.wait)
    for start, stop in _paced(n, 250.0, 8):
        outlet.push_chunk(np.ascontiguousarray(data[:, start:stop].T))
    time.sleep(a.linger)
    del outlets


# ---------------------------------------------------------------------------- BrainVision RDA

def brainvision_rda(a: argparse.Namespace) -> None:
    """Brain Products' BrainVision RDA connector (``LSL-BrainVisionRDA/mainwindow.cpp``).

    On the RDA start message: ``stream_info("BrainVision RDA", "EEG", numChannels + 1,
    sampleRate, cf_float32, lsl_id)``, per Recorder channel ``label``, ``type`` EEG,
    ``unit`` microvolts, then ``MkIdx`` (``type`` Marker, ``unit`` "Counts
    (decimal)"), manufacturer ``Brain Products``; a ``BrainVision RDA Markers``
    string stream. Each block is pushed with ``push_chunk(samples, now)``; ``MkIdx``
    is -1, or the marker's count on the sample it marks.
    """
    labels = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8",
              "T7", "T8", "P7", "P8", "Fz", "Cz", "Pz", "FCz"]
    info = pylsl.StreamInfo("BrainVision RDA", "EEG", len(labels) + 1, 500.0, "float32",
                            a.source_id or "BrainVision RDA 127.0.0.1")
    _channels(info, [*({"label": lab, "type": "EEG", "unit": "microvolts"} for lab in labels),
                     {"label": "MkIdx", "type": "Marker", "unit": "Counts (decimal)"}])
    info.desc().append_child("acquisition").append_child_value("manufacturer",
                                                               "Brain Products")
    outlet = pylsl.StreamOutlet(info)
    markers = pylsl.StreamOutlet(pylsl.StreamInfo(
        "BrainVision RDA Markers", "Markers", 1, 0.0, "string",
        (a.source_id or "BrainVision RDA 127.0.0.1") + " Marker"))
    n = round(a.seconds * 500)
    data = np.vstack([synthetic(len(labels), n, 500.0, a.seed),
                      np.full((1, n), -1.0, np.float32)])
    count = 0
    for k in range(250, n, 500):  # a marker every second, its count in MkIdx
        count += 1
        data[-1, k] = count
    _wait_ready(outlet, a.wait)
    for start, stop in _paced(n, 500.0, 20):
        outlet.push_chunk(np.ascontiguousarray(data[:, start:stop].T), pylsl.local_clock())
        for k in range(start, stop):
            if data[-1, k] > 0:
                markers.push_sample([f"mk{int(data[-1, k])}=S  1"])
    time.sleep(a.linger)


# ---------------------------------------------------------------------------- EmotivPRO

def emotivpro(a: argparse.Namespace) -> None:
    """EmotivPRO's LSL outlet of an EPOC X (Emotiv/labstreaminglayer ``README.md``).

    Stream ``EmotivDataStream-EEG`` of type ``EEG`` with the channels ``Timestamp,
    Counter, Interpolate, <EEG sensors>, HardwareMarker, Markers`` (labels only), at
    128 Hz; the EPOC sensors in the Cortex API's order (AF3 F7 F3 FC5 T7 P7 O1 O2 P8
    T8 FC6 F4 F8 AF4), raw EEG around Emotiv's 4,200 µV offset; ``Timestamp`` holds
    UNIX time, ``Counter`` the sample counter (0-127).
    """
    sensors = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4",
               "F8", "AF4"]
    labels = ["Timestamp", "Counter", "Interpolate", *sensors, "HardwareMarker", "Markers"]
    info = pylsl.StreamInfo(a.name or "EmotivDataStream-EEG", "EEG", len(labels), 128.0,
                            "double64", a.source_id or "EmotivDataStream-EEG")
    _channels(info, [{"label": lab} for lab in labels])
    outlet = pylsl.StreamOutlet(info)
    n = round(a.seconds * 128)
    data = np.zeros((len(labels), n))
    data[3:3 + len(sensors)] = synthetic(len(sensors), n, 128.0, a.seed, offset=4200.0)
    data[1] = np.arange(n) % 128
    _wait_ready(outlet, a.wait)
    t0 = time.time()
    for start, stop in _paced(n, 128.0, 4):
        data[0, start:stop] = t0 + np.arange(start, stop) / 128.0
        outlet.push_chunk(np.ascontiguousarray(data[:, start:stop].T))
    time.sleep(a.linger)


# ---------------------------------------------------------------------------- BrainAmp

def brainamp(a: argparse.Namespace) -> None:
    """Brain Products' BrainAmp Series connector sending raw counts.

    ``App-BrainAmpSeries/mainwindow.cpp`` (``read_thread<int16_t>``: ``stream_info(
    "BrainAmpSeries", "EEG", n, rate, cf_int16, ...)``, per channel ``label``,
    ``type`` EEG, ``unit`` ``INT_16``, ``scalingfactor`` 0.1 (µV per count at the
    100 nV resolution); a ``triggerStream`` channel typed ``AUX``).
    """
    labels = ["F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]
    info = pylsl.StreamInfo("BrainAmpSeries", "EEG", len(labels) + 1, 500.0, "int16",
                            a.source_id or "BrainAmpSeries_SR-500")
    _channels(info, [*({"label": lab, "type": "EEG", "unit": "INT_16",
                        "scalingfactor": "0.100000"} for lab in labels),
                     {"label": "triggerStream", "type": "AUX", "unit": "code"}])
    outlet = pylsl.StreamOutlet(info)
    n = round(a.seconds * 500)
    uv = synthetic(len(labels), n, 500.0, a.seed)
    data = np.vstack([np.round(uv / 0.1), np.zeros((1, n))]).astype(np.int16)
    _wait_ready(outlet, a.wait)
    for start, stop in _paced(n, 500.0, 20):
        outlet.push_chunk(np.ascontiguousarray(data[:, start:stop].T), pylsl.local_clock())
    time.sleep(a.linger)


MODES = {"muselsl": muselsl, "mne-lsl": mne_lsl, "unicorn": unicorn, "explorepy": explorepy,
         "brainvision-rda": brainvision_rda, "emotivpro": emotivpro, "brainamp": brainamp}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=sorted(MODES), required=True)
    p.add_argument("--name", default="")
    p.add_argument("--source-id", default="")
    p.add_argument("--address", default="", help="muselsl: the Muse's MAC address")
    p.add_argument("--labels", default="")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--wait", type=float, default=10.0)
    p.add_argument("--linger", type=float, default=0.5)
    p.add_argument("--lsltime", action="store_true", help="muselsl --lsltime")
    p.add_argument("--ppg", action="store_true", help="muselsl -p")
    p.add_argument("--acc", action="store_true", help="muselsl -c")
    p.add_argument("--gyro", action="store_true", help="muselsl -g")
    p.add_argument("--info", action="store_true", help="print the mode's docstring")
    a = p.parse_args()
    if a.info:
        print(json.dumps(MODES[a.mode].__doc__))
        return 0
    MODES[a.mode](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
