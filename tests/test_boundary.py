"""The border rule of the kernels against numpy.pad, far outside the image too."""
import numpy as np
import pytest

from imgconv._ext.primitives import border_map
from imgconv._validate import BORDER_CODES, PAD_TO_NDIMAGE


def border_index_table(n, start, stop, code):
    return border_map(np.arange(start, stop), n, code).tolist()


@pytest.mark.parametrize("pad_mode", ["symmetric", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_border_index_matches_numpy_pad(pad_mode, n):
    reach = 4 * n + 3          # several periods beyond either side
    expected = np.pad(np.arange(n), reach, mode=pad_mode)
    code = BORDER_CODES[PAD_TO_NDIMAGE[pad_mode]]
    np.testing.assert_array_equal(border_index_table(n, -reach, n + reach, code), expected)


@pytest.mark.parametrize("n", [1, 4])
def test_border_index_constant_marks_outside(n):
    table = border_index_table(n, -3, n + 3, BORDER_CODES["constant"])
    assert table == [-1] * 3 + list(range(n)) + [-1] * 3
