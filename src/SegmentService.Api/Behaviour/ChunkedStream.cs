namespace SegmentService.Api.Behaviour;

/// <summary>
/// An in-memory byte stream kept as 1 MiB blocks: written once (or filled from stored blocks), then read from the
/// start. No single large array, so an image may exceed 2 GB, and each block is one database row.
/// </summary>
public sealed class ChunkedStream : Stream
{
    public const int BlockSize = 1 << 20;

    private readonly List<byte[]> _blocks = [];
    private int _fill = BlockSize;
    private int _readBlock;
    private int _readOffset;
    private long _length;

    /// <summary>The written bytes block by block (the last one may be shorter).</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Blocks =>
        _blocks.Select((block, i) => new ReadOnlyMemory<byte>(block, 0, i == _blocks.Count - 1 ? _fill : block.Length));

    /// <summary>Appends a stored block for reading.</summary>
    public void AddBlock(byte[] block)
    {
        _blocks.Add(block);
        _fill = block.Length;
        _length += block.Length;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            if (_fill == BlockSize)
            {
                _blocks.Add(new byte[BlockSize]);
                _fill = 0;
            }
            var n = Math.Min(buffer.Length, BlockSize - _fill);
            buffer[..n].CopyTo(_blocks[^1].AsSpan(_fill));
            _fill += n;
            _length += n;
            buffer = buffer[n..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length && _readBlock < _blocks.Count)
        {
            var block = _blocks[_readBlock];
            var size = _readBlock == _blocks.Count - 1 ? _fill : block.Length;
            var n = Math.Min(buffer.Length - read, size - _readOffset);
            block.AsSpan(_readOffset, n).CopyTo(buffer[read..]);
            read += n;
            _readOffset += n;
            if (_readOffset == size)
            {
                _readBlock++;
                _readOffset = 0;
            }
        }
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
