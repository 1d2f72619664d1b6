"""Decoding: bytes to clean text. Gzip inflated within a bound, the encoding detected (BOMs, UTF-8, UTF-16
without BOM, cp1252/latin-1; not assumed), mojibake repaired, control characters dropped, over-long lines
bounded. Every failure is a :class:`ReadError` with a stable code and a sentence for people.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zlib

# Control characters other than tab/newline/carriage return: terminal escapes, NULs, etc.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ReadError(Exception):
    """A file (or record) that cannot be read; ``code`` is stable, ``message`` says why and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file_hash: str | None = None  # set when the bytes were read before the failure


def gunzip_bounded(data: bytes, max_out: int) -> bytes:
    """Inflate gzip data, stopping at ``max_out`` bytes so a decompression bomb cannot fill memory."""
    out = bytearray()
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    buf = data
    try:
        while buf:
            chunk = d.decompress(buf, max_out + 1 - len(out))
            out += chunk
            if len(out) > max_out:
                raise ReadError(
                    "inflated_too_large",
                    f"gzip inflates to more than the max_inflated_bytes limit of {max_out:,} bytes "
                    "(NEWS_ETL_MAX_INFLATED_BYTES); possible decompression bomb",
                )
            buf = d.unconsumed_tail
            if d.eof:
                # Concatenated gzip members are legal (``cat a.gz b.gz``): keep going.
                rest = d.unused_data
                if not rest.strip(b"\x00"):
                    break
                d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                buf = rest
            elif not chunk and not buf:
                break
        if not d.eof:
            raise ReadError("corrupt_gzip", "gzip stream is truncated (ended before its last block)")
    except zlib.error as exc:
        raise ReadError("corrupt_gzip", f"gzip data is corrupt: {exc}") from exc
    return bytes(out)


_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NULs in every other byte of ASCII-heavy text."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes: BOM, then strict UTF-8, then BOM-less UTF-16, then detection.

    Returns ``(text, encoding)``. Raises :class:`ReadError` for binary content.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc + "-bom" if enc == "utf-8" else enc
            except UnicodeDecodeError as exc:
                raise ReadError("encoding", f"starts with a {enc} byte-order mark but is not {enc}: {exc}") from exc
    # BOM-less UTF-16 goes first: plain ASCII in UTF-16 is also valid UTF-8 (a NUL after every letter), which
    # would then be taken for a binary file. Real UTF-8 text has no NULs, so this never steals one.
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:65536]:
        raise ReadError("binary", "contains NUL bytes and is not UTF-16/32 text: looks like a binary file")
    if declared:
        try:
            return data.decode(declared), declared.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    sample = data[:262144]
    ascii_share = sum(1 for b in sample if b < 0x80) / max(1, len(sample))
    if ascii_share >= 0.9:
        # Mostly ASCII with a few accented letters and curly quotes: Western text, and Windows-1252 is
        # the legacy encoding of the Western web. Detectors guess cousins here (cp775, cp1250, cp850),
        # because a handful of bytes cannot tell them apart; whole-text alphabets (Cyrillic, Greek) are
        # far below 90% ASCII and still go to detection.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # imported lazily: only non-UTF-8 files need it

    best = from_bytes(data[:262144]).best()
    if best is None:
        raise ReadError("binary", "no text encoding fits these bytes: looks like a binary file")
    enc = best.encoding
    # Western news text that is not UTF-8 is nearly always Windows-1252; charset detection on short
    # texts often guesses a cousin (cp1250, latin-1, mac_roman), so prefer cp1252 when it decodes.
    if enc in {"cp1250", "cp1252", "latin_1", "iso8859_15", "mac_roman", "cp1257", "iso8859_2"}:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"
    try:
        return data.decode(enc), enc
    except (LookupError, UnicodeDecodeError) as exc:
        raise ReadError("encoding", f"could not decode as {enc}: {exc}") from exc


# UTF-8 bytes that were decoded as Latin-1/cp1252 somewhere upstream ("itâ\x80\x99s", "itâ€™s").
_CP1252_BACK = {ch: bytes([b]) for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", "ignore"))}
_CONT = "\u0080-\u00bf" + "".join(_CP1252_BACK)
_MOJIBAKE = re.compile(f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}")


def _unmojibake(match: re.Match[str]) -> str:
    raw = b"".join(_CP1252_BACK.get(ch) or bytes([ord(ch)]) for ch in match.group(0))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # not a mis-decoded UTF-8 sequence after all: leave the text alone
        return match.group(0)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1/cp1252 ("computingâ\x80\x99s" -> "computing’s"), sequence by sequence."""
    return _MOJIBAKE.sub(_unmojibake, text) if _MOJIBAKE.search(text) else text


def normalise_text(text: str, max_line_chars: int) -> str:
    """Unify line ends, repair mojibake, drop control characters, NFC-normalise; refuse absurdly long lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mojibake(text)
    text = _CONTROL.sub("", text).replace("\ufeff", "")
    text = unicodedata.normalize("NFC", text)
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > max_line_chars:
        raise ReadError(
            "line_too_long",
            f"has a line of {longest:,} characters, over the max_line_chars limit of {max_line_chars:,} "
            "(NEWS_ETL_MAX_LINE_CHARS)",
        )
    return text


def looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = sum(
        1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) in {"Cc", "Co", "Cn"} and ch not in "\n\t\r")
    )
    return bad / len(sample) > 0.05
