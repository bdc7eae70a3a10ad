"""The Lariat kernel against jupyter_kernel_test: the protocol as the
Jupyter project's own test kit checks it, through the real `lariat kernel`."""
import unittest

import jupyter_kernel_test
import kernel_support  # noqa: F401  (installs the kernelspec under test)


class LariatKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "lariat"
    language_name = "lariat"
    file_extension = ".lariat"

    code_hello_world = 'print("hello, world")'

    completion_samples = [
        {"text": "prin", "matches": {"print"}},
        {"text": "x = transp", "matches": {"transpose"}},
    ]
    complete_code_samples = ["1 + 2", "x = [1, 2]", "f(1,\n  2)", "# only a comment", ""]
    incomplete_code_samples = ["f(1,", "x = [1, 2", "y = (3 +"]
    invalid_code_samples = ["1 +* 2", "x = )", "= 5"]

    code_generate_error = "nosuch(1)"

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "6 / 2", "result": "3"},
        {"code": "5 / 2", "result": "2.5"},
    ]
    code_display_data = [
        {"code": "plot([1, 4, 9, 16])", "mime": "image/png"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"

    code_inspect_sample = "print"


if __name__ == "__main__":
    unittest.main()
