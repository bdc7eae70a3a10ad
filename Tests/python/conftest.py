"""Fixtures shared by the kernel tests."""
import jupyter_client
import pytest

import kernel_support  # noqa: F401  (installs the kernelspec under test)


@pytest.fixture(scope="module")
def kernel():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="lariat")
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel()
