"""Decompressed bytes of a VCF file: BGZF (bgzip), plain gzip or uncompressed (file I/O).

BGZF blocks are inflated one by one, each a complete gzip member whose CRC-32 and length are
checked: with the system libdeflate when the dynamic linker finds it (Debian libdeflate0,
installed with htslib/samtools/bcftools; about twice as fast as zlib), else with Python's
zlib. Other gzip files are streamed through zlib member by member. A file that ends inside a
compressed block, or whose compressed data is corrupt, is a VcfError naming the file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import zlib
from collections.abc import Iterator
from pathlib import Path

from tmb.exceptions import VcfError

GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952 member header
BGZF_HEADER = b"\x1f\x8b\x08\x04"  # gzip magic, deflate, FEXTRA set (SAM/BAM spec, BGZF)
GZIP_MEMBER = 31  # zlib wbits for one gzip member (header and CRC-32 checked)
READ_BYTES = 256 << 10  # compressed bytes read at a time (~2 MiB of VCF text)
LIBDEFLATE_SUCCESS = 0  # enum libdeflate_result (libdeflate.h)


class _Libdeflate:
    """libdeflate_gzip_decompress through ctypes (the call releases the GIL)."""

    def __init__(self, library: ctypes.CDLL) -> None:
        library.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
        library.libdeflate_free_decompressor.argtypes = [ctypes.c_void_p]
        library.libdeflate_gzip_decompress.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_size_t)]
        self.library = library
        self.decompressor = library.libdeflate_alloc_decompressor()
        if not self.decompressor:
            raise MemoryError("libdeflate_alloc_decompressor failed")

    def inflate_into(self, member: memoryview, target: int, size: int) -> bool:
        """Inflate one gzip member into the ``size`` bytes at address ``target``; False if its
        data is bad (CRC-32, length or deflate stream)."""
        source = (ctypes.c_char * len(member)).from_buffer_copy(member)
        written = ctypes.c_size_t(0)
        result = self.library.libdeflate_gzip_decompress(
            self.decompressor, source, len(member), target, size, ctypes.byref(written))
        return result == LIBDEFLATE_SUCCESS and written.value == size

    def close(self) -> None:
        self.library.libdeflate_free_decompressor(self.decompressor)


def _libdeflate() -> _Libdeflate | None:
    name = ctypes.util.find_library("deflate")
    if name is None:
        return None
    try:
        return _Libdeflate(ctypes.CDLL(name))
    except (OSError, AttributeError):  # not loadable, or too old an API
        return None


def _block_size(view: memoryview, at: int) -> int | None:
    """Size of the BGZF block at ``at`` (its ``BC`` extra sub-field); 0 when more bytes are
    needed to tell; None when the member there is not BGZF."""
    if len(view) - at < 18:  # 12-byte gzip header + 6-byte BC sub-field
        return 0
    if bytes(view[at:at + 4]) != BGZF_HEADER:
        return None
    xlen = int.from_bytes(view[at + 10:at + 12], "little")
    field, stop = at + 12, min(at + 12 + xlen, len(view))
    while field + 6 <= stop:
        length = int.from_bytes(view[field + 2:field + 4], "little")
        if bytes(view[field:field + 2]) == b"BC" and length == 2:
            return int.from_bytes(view[field + 4:field + 6], "little") + 1
        field += 4 + length
    return None


def _truncated(path: str) -> VcfError:
    return VcfError(f"cannot read VCF {path}: truncated gzip data (the file ends inside a "
                    "compressed block)")


def _corrupt(path: str, detail: str) -> VcfError:
    return VcfError(f"cannot read VCF {path}: corrupt gzip data ({detail})")


def _complete_blocks(view: memoryview) -> tuple[list[tuple[int, int]], int | None]:
    """(offset, size) of the whole BGZF blocks at the start of ``view``, and the size test of
    what follows (0: incomplete block, None: not BGZF)."""
    blocks, at = [], 0
    while (size := _block_size(view, at)) and at + size <= len(view):
        blocks.append((at, size))
        at += size
    return blocks, size


def _inflate_blocks(view: memoryview, blocks: list, inflater, path: str) -> bytearray:
    """The text of consecutive BGZF ``blocks`` of ``view``, in one buffer."""
    sizes = [int.from_bytes(view[at + size - 4:at + size], "little") for at, size in blocks]
    out, position = bytearray(sum(sizes)), 0
    window = (ctypes.c_char * len(out)).from_buffer(out) if inflater is not None else None
    for (at, size), length in zip(blocks, sizes):
        member = view[at:at + size]
        if window is not None:
            target = ctypes.addressof(window) + position
            if length and not inflater.inflate_into(member, target, length):
                raise _corrupt(path, f"BGZF block at byte {at} does not inflate or fails its CRC")
        else:
            out[position:position + length] = zlib.decompress(member, GZIP_MEMBER)
        position += length
    del window  # the buffer export ends before the text is handed out
    return out


def _bgzf(handle, path: str, inflater) -> Iterator[bytes | bytearray]:
    """Decompressed text of a BGZF file (falls back to streaming if a member is not BGZF)."""
    data = b""
    while True:
        raw = handle.read(READ_BYTES)
        data += raw
        view = memoryview(data)
        blocks, following = _complete_blocks(view)
        if blocks:
            yield _inflate_blocks(view, blocks, inflater, path)
        at = blocks[-1][0] + blocks[-1][1] if blocks else 0
        rest = bytes(view[at:])
        view.release()
        if following is None:
            yield from _stream(rest, handle, path)
            return
        if not raw:
            if rest:
                raise _truncated(path)
            return
        data = rest


def _stream(data: bytes, handle, path: str) -> Iterator[bytes]:
    """Decompressed bytes of consecutive gzip members starting with ``data``."""
    inflater, fed = zlib.decompressobj(GZIP_MEMBER), False
    while data:
        while data:
            yield inflater.decompress(data)
            fed, data = True, b""
            if inflater.eof:
                data = inflater.unused_data
                inflater, fed = zlib.decompressobj(GZIP_MEMBER), False
        data = handle.read(READ_BYTES)
    if fed and not inflater.eof:
        raise _truncated(path)


def decompressed(path: str | Path) -> Iterator[bytes | bytearray]:
    """The bytes of a VCF file, decompressed when it is gzip/BGZF."""
    with open(path, "rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            handle.seek(0)
            yield from iter(lambda: handle.read(READ_BYTES), b"")
            return
        handle.seek(0)
        inflater = _libdeflate()
        try:
            yield from _bgzf(handle, str(path), inflater)
        except zlib.error as err:
            raise _corrupt(str(path), str(err)) from err
        finally:
            if inflater is not None:
                inflater.close()
