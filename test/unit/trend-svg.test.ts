import { badgeSvg, trendSvg } from '../../src/public/trend-svg';

describe('the trend of the public page, drawn on the server', () => {
  const month = (period: string, share: number | null, ci95: [number, number] | null = share === null ? null : [share - 0.1, share + 0.05]) => ({
    period,
    share,
    ci95,
  });

  it('when a month has no published share, then the line and the band break there instead of falling to zero', () => {
    const svg = trendSvg(
      [month('2026-01', 0.8), month('2026-02', 0.85), month('2026-03', null), month('2026-04', 0.9), month('2026-05', 0.88)],
      0.85,
      'Xu hướng',
    );
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<polygon class="band"/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(4);
    expect(svg).toContain('class="target"');
    expect(svg).toContain('role="img"');
  });

  it('when the band is drawn, then it lies around the line: its top above each point and its bottom below', () => {
    const svg = trendSvg([month('2026-01', 0.8), month('2026-02', 0.7)], null, 'x');
    const band = /<polygon class="band" points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    const line = /<polyline class="line" points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    // SVG y grows downwards: the upper edge has smaller y than the point, the lower edge larger.
    expect(band[0]![1]).toBeLessThan(line[0]![1]!);
    expect(band[1]![1]).toBeLessThan(line[1]![1]!);
    expect(band[2]![1]).toBeGreaterThan(line[1]![1]!);
    expect(band[3]![1]).toBeGreaterThan(line[0]![1]!);
    expect(svg).not.toContain('class="target"');
  });

  it('when text carries markup, then the SVG escapes it', () => {
    expect(trendSvg([month('2026-01', 0.5)], null, '<script>"x"</script>')).not.toContain('<script>');
    const badge = badgeSvg('92% hài lòng · n = 214 · 12 tháng <b>');
    expect(badge).toContain('92% hài lòng · n = 214 · 12 tháng &lt;b&gt;');
    expect(badge).not.toContain('<b>');
  });
});
