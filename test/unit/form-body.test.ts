import { parseUrlEncoded } from '../../src/http/form-body';

const parse = (text: string | Buffer) => parseUrlEncoded(Buffer.isBuffer(text) ? text : Buffer.from(text));

describe('parseUrlEncoded', () => {
  it('when a browser posts Vietnamese text, then it decodes percent-escapes and plus signs', () => {
    const fields = parse('overall=5&comment=R%E1%BA%A5t+t%E1%BB%91t');
    expect(fields.get('overall')).toBe('5');
    expect(fields.get('comment')).toBe('Rất tốt');
  });

  it('when a percent-escape is not valid UTF-8, then it is refused with 400', () => {
    expect(() => parse('comment=%FF%FE')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('when raw bytes are not valid UTF-8, then it is refused with 400', () => {
    expect(() => parse(Buffer.from([0x61, 0x3d, 0xc3, 0x28]))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('when a field appears twice, then it is refused instead of becoming an array', () => {
    expect(() => parse('overall=5&overall=1')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('when keys look like prototype pollution or operators, then they stay plain map keys', () => {
    const fields = parse('__proto__=x&q%5B%24gt%5D=&constructor=y');
    expect(fields.get('__proto__')).toBe('x');
    expect(fields.get('q[$gt]')).toBe('');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
