using Palisade.Policy;

namespace Palisade.Policy.Tests;

/// <summary>The one "in force" rule every part uses: effective inclusive, expiry exclusive.</summary>
public sealed class PolicyOrderTests
{
    [Theory]
    [InlineData(1000, null, 999, false, "pending")]
    [InlineData(1000, null, 1000, true, "active")]
    [InlineData(1000, null, long.MaxValue, true, "active")]
    [InlineData(1000, 2000L, 1999, true, "active")]
    [InlineData(1000, 2000L, 2000, false, "expired")]
    [InlineData(1000, 2000L, 999, false, "pending")]
    public void InForceAt_EffectiveInclusive_ExpiryExclusive(long effective, long? expires, long at, bool inForce, string status)
    {
        var order = new PolicyOrder("rkn/1", "court-order", effective, expires);
        Assert.Equal(inForce, order.IsActiveAt(at));
        Assert.Equal(inForce, PolicyOrder.InForceAt(effective, expires, at));
        Assert.Equal(expires is { } e && e <= at, order.IsExpiredAt(at));
        Assert.Equal(status, PolicyOrder.StatusAt(effective, expires, revoked: false, at));
        Assert.Equal("revoked", PolicyOrder.StatusAt(effective, expires, revoked: true, at));
    }

    [Fact]
    public void Reference_ReadOnceAndAgainWhenReplaced()
    {
        var order = new PolicyOrder("rkn/D-1", "court-order", 0, null);
        Assert.Equal("rkn", order.Authority);
        Assert.Equal("https://registry.example/orders/rkn/D-1", order.PageUrl(new Uri("https://registry.example/")));
        PolicyOrder other = order with { Reference = "agcom/7" };
        Assert.Equal("agcom", other.Authority);
        Assert.NotEqual(order, other);
        Assert.Equal(order, new PolicyOrder("rkn/D-1", "court-order", 0, null));
        Assert.Throws<FormatException>(() => new PolicyOrder("no-slash", "court-order", 0, null));
    }
}
