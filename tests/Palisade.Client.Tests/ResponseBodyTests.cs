using System.Net;
using Palisade.Client;

namespace Palisade.Client.Tests;

public sealed class ResponseBodyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(100_000)]
    public async Task ReadBytes_AtTheLimit_ReadsAll(int length)
    {
        byte[] body = [.. Enumerable.Range(0, length).Select(i => (byte)i)];
        foreach (bool declared in new[] { true, false })
        {
            using HttpResponseMessage response = Response(body, declared);
            Assert.Equal(body, await ResponseBody.ReadBytesAsync(response, length, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task ReadBytes_DeclaredOverTheLimit_RefusedBeforeReading()
    {
        var content = new StreamContent(new ThrowingStream());
        content.Headers.ContentLength = 1001;
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = new HttpRequestMessage(HttpMethod.Get, "http://peer.test/log/checkpoint") };
        ResponseTooLargeException e = await Assert.ThrowsAsync<ResponseTooLargeException>(() => ResponseBody.ReadBytesAsync(response, 1000, TestContext.Current.CancellationToken));
        Assert.Equal("/log/checkpoint: the peer declares a body of 1001 bytes; it holds at most 1000", e.Message);
        Assert.Equal(1000, e.Limit);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(5_000_000)]
    public async Task ReadBytes_UndeclaredOverTheLimit_RefusedAtTheFirstByteBeyond(int length)
    {
        var stream = new CountingStream(length);
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(stream) };
        ResponseTooLargeException e = await Assert.ThrowsAsync<ResponseTooLargeException>(() => ResponseBody.ReadBytesAsync(response, 1000, TestContext.Current.CancellationToken));
        Assert.Contains("runs past 1000 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(stream.Taken < 20_000, $"{stream.Taken} bytes were read for a limit of 1000");
    }

    private static HttpResponseMessage Response(byte[] body, bool declared)
    {
        HttpContent content = declared ? new ByteArrayContent(body) : new StreamContent(new CountingStream(body.Length, body));
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    /// <summary>A body of unknown length that counts what was read of it.</summary>
    private sealed class CountingStream(int length, byte[]? bytes = null) : Stream
    {
        public long Taken { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Taken; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, Math.Min(4096, length - Taken));
            for (int i = 0; i < n; i++)
            {
                buffer[offset + i] = bytes is null ? (byte)'x' : bytes[Taken + i];
            }

            Taken += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class ThrowingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the body was read");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
