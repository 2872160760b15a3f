"""Kernel modules compiled for x86-64-v3: AVX2, FMA (see ``imgconv._ext``)."""
