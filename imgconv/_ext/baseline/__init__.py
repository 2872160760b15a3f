"""Kernel modules compiled for the architecture's baseline (see ``imgconv._ext``)."""
