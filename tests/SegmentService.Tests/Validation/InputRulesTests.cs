using SegmentService.Api.Validation;

namespace SegmentService.Tests.Validation;

public sealed class InputRulesTests
{
    // Code points, not strings: an attribute cannot carry a lone surrogate (the compiler would replace it).
    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x001f)]
    [InlineData(0x007f)]
    [InlineData(0x0085)]   // C1 control
    [InlineData(0x00ad)]   // soft hyphen (Cf)
    [InlineData(0x200b)]   // zero-width space
    [InlineData(0x200d)]   // zero-width joiner
    [InlineData(0x202e)]   // right-to-left override
    [InlineData(0x2067)]   // right-to-left isolate
    [InlineData(0x2028)]   // line separator
    [InlineData(0xfeff)]   // byte order mark
    [InlineData(0xd800)]   // lone high surrogate
    [InlineData(0xdc00)]   // lone low surrogate
    [InlineData(0xffff)]   // noncharacter
    [InlineData(0xe0041)]  // tag character (supplementary Cf)
    public void InvisibleControlAndBidiCharactersAreRejected(int codePoint)
    {
        var character = codePoint > 0xffff ? char.ConvertFromUtf32(codePoint) : ((char)codePoint).ToString();
        foreach (var id in new[] { "a" + character + "b", character + "ab", "ab" + character })
        {
            var errors = new FieldErrors();
            Assert.False(InputRules.CheckId(id, "id", errors), $"U+{codePoint:X4} accepted in '{id}'");
            Assert.True(errors.ToDictionary().ContainsKey("id"));
        }
    }

    [Theory]
    [InlineData("sku-9")]
    [InlineData("café-Ünïcødé")]
    [InlineData("日本語の商品")]
    [InlineData("emoji-😀")]
    [InlineData("a b")]
    public void VisibleUnicodeIsAccepted(string id) => Assert.True(InputRules.CheckId(id, "id", new FieldErrors()));
}
