using System.Buffers.Binary;
using System.Text;

namespace SegmentService.Api.Behaviour;

/// <summary>
/// Writes primitives in <see cref="BinaryWriter"/>'s layout (little-endian, strings as 7-bit length + UTF-8) through a
/// 64 KiB buffer: one stream call per buffer instead of one per value, which is most of the cost of a large image.
/// </summary>
public sealed class ImageWriter(Stream stream) : IDisposable
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _used;

    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);

    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void Write(float value) => BinaryPrimitives.WriteSingleLittleEndian(Take(4), value);

    public void Write(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8), value);

    public void Write(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;

    public void Write(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        for (var length = (uint)bytes; ; length >>= 7)
        {
            if (length < 0x80)
            {
                Take(1)[0] = (byte)length;
                break;
            }
            Take(1)[0] = (byte)(length | 0x80);
        }
        if (bytes > _buffer.Length)
        {
            Flush();
            stream.Write(Encoding.UTF8.GetBytes(value));
            return;
        }
        Encoding.UTF8.GetBytes(value, Take(bytes));
    }

    public void Flush()
    {
        stream.Write(_buffer, 0, _used);
        _used = 0;
    }

    public void Dispose() => Flush();

    private Span<byte> Take(int size)
    {
        if (_used + size > _buffer.Length)
        {
            Flush();
        }
        var span = _buffer.AsSpan(_used, size);
        _used += size;
        return span;
    }
}

/// <summary>Reads what <see cref="ImageWriter"/> (or a <see cref="BinaryWriter"/>) wrote, through a 64 KiB buffer; <see cref="EndOfStreamException"/> past the end.</summary>
public sealed class ImageReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public bool ReadBoolean() => Take(1)[0] != 0;

    public string ReadString()
    {
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28)
            {
                throw new InvalidDataException("Bad string length in the image.");
            }
            var b = Take(1)[0];
            length |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }
        if (length <= _buffer.Length)
        {
            return Encoding.UTF8.GetString(Take(length));
        }
        var bytes = new byte[length];
        var buffered = _end - _start;
        _buffer.AsSpan(_start, buffered).CopyTo(bytes);
        _start = _end;
        stream.ReadExactly(bytes, buffered, length - buffered);
        return Encoding.UTF8.GetString(bytes);
    }

    private ReadOnlySpan<byte> Take(int size)
    {
        if (_end - _start < size)
        {
            var left = _end - _start;
            _buffer.AsSpan(_start, left).CopyTo(_buffer);
            _start = 0;
            _end = left + stream.ReadAtLeast(_buffer.AsSpan(left), size - left, throwOnEndOfStream: true);
        }
        var span = _buffer.AsSpan(_start, size);
        _start += size;
        return span;
    }
}
