import Testing
@testable import JupyterKernel
