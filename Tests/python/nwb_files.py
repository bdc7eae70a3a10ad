"""NWB files as pynwb writes them, for the recordings tests and the fuzzer's
corpus (bench/fuzz/fuzz.py): a TwoPhotonSeries under /acquisition and,
when masks are given, a PlaneSegmentation of image masks or pixel masks."""
import datetime

import numpy as np


def write_nwb(path, movie, image_masks=None, pixel_masks=None, extra_series=False, cache_spec=True):
    """`extra_series`: a non-imaging series first in name order; `cache_spec=False`
    leaves the schema out of the file, so it stays small."""
    from pynwb import NWBFile, NWBHDF5IO, TimeSeries
    from pynwb.ophys import ImageSegmentation, OpticalChannel, TwoPhotonSeries

    nwb = NWBFile(session_description="test", identifier="lariat-test",
                  session_start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    if extra_series:
        nwb.add_acquisition(TimeSeries(name="AAA_running", data=np.arange(10.0), unit="m/s", rate=30.0))
    device = nwb.create_device(name="scope")
    channel = OpticalChannel(name="green", description="GCaMP", emission_lambda=520.0)
    plane = nwb.create_imaging_plane(name="plane0", optical_channel=channel, description="L2/3", device=device,
                                     excitation_lambda=920.0, imaging_rate=30.0, indicator="GCaMP6f", location="V1")
    nwb.add_acquisition(TwoPhotonSeries(name="TwoPhotonSeries", data=movie, imaging_plane=plane, rate=30.0, unit="a.u."))
    if image_masks is not None or pixel_masks is not None:
        seg = ImageSegmentation()
        ps = seg.create_plane_segmentation(name="PlaneSegmentation", description="rois", imaging_plane=plane)
        for m in (image_masks if image_masks is not None else pixel_masks):
            ps.add_roi(image_mask=m) if image_masks is not None else ps.add_roi(pixel_mask=m)
        nwb.create_processing_module(name="ophys", description="ophys").add(seg)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb, cache_spec=cache_spec)
    return path
