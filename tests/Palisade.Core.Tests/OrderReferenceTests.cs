namespace Palisade.Core.Tests;

public sealed class OrderReferenceTests
{
    [Theory]
    [InlineData("rkn/27-31-2018/Ид4412-18", "rkn", "27-31-2018/Ид4412-18", "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18")]
    [InlineData("agcom/AG-1", "agcom", "AG-1", "/orders/agcom/AG-1")]
    [InlineData("a/b c?d#e", "a", "b c?d#e", "/orders/a/b%20c%3Fd%23e")]
    public void TryParse_SplitsAtTheFirstSlash_AndEncodesTheDecisionAsOneSegment(string text, string authority, string decision, string page)
    {
        Assert.True(OrderReference.TryParse(text, out OrderReference reference));
        Assert.Equal(authority, reference.Authority);
        Assert.Equal(decision, reference.Decision);
        Assert.Equal(text, reference.ToString());
        Assert.Equal(page, reference.PagePath);
        Assert.Equal("/v1" + page, reference.ApiPath);
        Assert.Equal("https://registry.example" + page, reference.PageUrl("https://registry.example/"));
        Assert.Equal(new OrderReference(authority, decision), reference);
        Assert.Equal(new OrderReference(authority, decision).GetHashCode(), reference.GetHashCode());
        Span<char> buffer = stackalloc char[64];
        Assert.True(reference.TryFormat(buffer, out int written, default, null));
        Assert.Equal(text, buffer[..written].ToString());
        Assert.False(reference.TryFormat(buffer[..(text.Length - 1)], out _, default, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("rkn")]
    [InlineData("/decision")]
    [InlineData("rkn/")]
    public void TryParse_NotAReference_IsRefused(string text)
    {
        Assert.False(OrderReference.TryParse(text, out _));
        Assert.Throws<FormatException>(() => OrderReference.Parse(text));
    }

    [Fact]
    public void Create_AuthorityWithSlash_Throws() =>
        Assert.Throws<ArgumentException>(() => new OrderReference("a/b", "c"));
}
