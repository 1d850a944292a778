using Microsoft.Playwright;

namespace WorkSessions.Browser.Tests;

/// <summary>Accessibility and layout checks evaluated in the page, each failing with what it found.</summary>
public static class PageChecks
{
    /// <summary>Every input, select and textarea (hidden inputs aside) has a non-empty label, aria-label or aria-labelledby.</summary>
    public static async Task AssertEveryControlIsNamedAsync(IPage page, string where)
    {
        var unnamed = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('input, select, textarea')]
              .filter(control => control.type !== 'hidden')
              .filter(control => {
                const text = element => (element?.textContent ?? '').trim().length > 0;
                const byLabel = [...(control.labels ?? [])].some(text);
                const byAriaLabel = (control.getAttribute('aria-label') ?? '').trim().length > 0;
                const byLabelledBy = (control.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)
                  .some(id => text(document.getElementById(id)));
                return !(byLabel || byAriaLabel || byLabelledBy);
              })
              .map(control => control.outerHTML.slice(0, 160))
            """);
        Assert.True(unnamed.Length == 0, $"{where}: controls without an accessible name:\n  " + string.Join("\n  ", unnamed));
    }

    /// <summary>The page does not scroll sideways at the current viewport width.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page, string where)
    {
        var overflow = await page.EvaluateAsync<System.Text.Json.JsonElement>("""
            () => {
              const width = window.innerWidth;
              const wide = [...document.querySelectorAll('body *')]
                .filter(element => element.getBoundingClientRect().right > width + 0.5)
                .slice(0, 5)
                .map(element => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}${element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\s+/).join('.') : ''} right=${Math.round(element.getBoundingClientRect().right)}`);
              return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, widest: wide };
            }
            """);
        var scrollWidth = overflow.GetProperty("scrollWidth").GetDouble();
        var innerWidth = overflow.GetProperty("innerWidth").GetDouble();
        Assert.True(scrollWidth <= innerWidth,
            $"{where}: the page scrolls sideways (scrollWidth {scrollWidth} > innerWidth {innerWidth}); beyond the edge:\n  "
            + string.Join("\n  ", overflow.GetProperty("widest").EnumerateArray().Select(element => element.GetString())));
    }

    /// <summary>
    /// Visible text has WCAG AA contrast against its background (4.5:1; 3:1 for large text), from computed styles: the
    /// background is the nearest ancestor's opaque background colour (white if none). Text over background images is not
    /// judged.
    /// </summary>
    public static async Task AssertTextContrastAsync(IPage page, string where)
    {
        var failures = await page.EvaluateAsync<string[]>("""
            () => {
              const parse = value => {
                const m = value.match(/rgba?\(([^)]+)\)/);
                if (!m) return null;
                const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
                return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
              };
              const blend = (top, bottom) => ({
                r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
                b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
              const luminance = c => {
                const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
              };
              const background = element => {
                const layers = [];
                for (let e = element; e; e = e.parentElement) {
                  const style = getComputedStyle(e);
                  if (style.backgroundImage !== 'none') return null;
                  const color = parse(style.backgroundColor);
                  if (color && color.a > 0) { layers.push(color); if (color.a >= 1) break; }
                }
                return layers.reverse().reduce((below, layer) => blend(layer, below), { r: 255, g: 255, b: 255, a: 1 });
              };
              const failures = [];
              for (const element of document.querySelectorAll('body *')) {
                const ownText = [...element.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
                if (!ownText || element.closest('[hidden], [aria-hidden="true"]') || element.matches(':disabled')) continue;
                const rect = element.getBoundingClientRect();
                const style = getComputedStyle(element);
                if (rect.width === 0 || rect.height === 0 || style.visibility !== 'visible' || Number(style.opacity) === 0) continue;
                const back = background(element);
                const fore = parse(style.color);
                if (!back || !fore) continue;
                const text = blend(fore, back);
                const [light, dark] = [luminance(text), luminance(back)].sort((a, b) => b - a);
                const ratio = (light + 0.05) / (dark + 0.05);
                const size = parseFloat(style.fontSize);
                const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
                if (ratio < (large ? 3 : 4.5)) {
                  failures.push(`${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 40)}" ${style.color} on ${back.r},${back.g},${back.b}: ${ratio.toFixed(2)}:1`);
                }
              }
              return failures;
            }
            """);
        Assert.True(failures.Length == 0, $"{where}: text below WCAG AA contrast:\n  " + string.Join("\n  ", failures));
    }

    /// <summary>All three checks, for a page in a given state.</summary>
    public static async Task AssertTidyAsync(IPage page, string where)
    {
        await AssertEveryControlIsNamedAsync(page, where);
        await AssertNoHorizontalScrollAsync(page, where);
        await AssertTextContrastAsync(page, where);
    }
}
