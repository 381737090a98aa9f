import { FormPageCache, TOKEN_SLOT } from '../../src/forms/form-page-cache';

describe('the blank form page cache', () => {
  it('when a page is asked for twice, then it is rendered once and each copy carries its own token', async () => {
    const cache = new FormPageCache();
    let renders = 0;
    const render = () => {
      renders += 1;
      return Promise.resolve(`<input name="_token" value="${TOKEN_SLOT}">`);
    };
    expect(Buffer.concat(await cache.page('a', 'tok1', render)).toString()).toBe('<input name="_token" value="tok1">');
    expect(Buffer.concat(await cache.page('a', 'tok2', render)).toString()).toBe('<input name="_token" value="tok2">');
    expect(renders).toBe(1);
  });

  it('when more pages than its size are kept, then the least recently used one is rendered again', async () => {
    const cache = new FormPageCache(2);
    const renders: string[] = [];
    const render = (key: string) => () => {
      renders.push(key);
      return Promise.resolve(`${key}:${TOKEN_SLOT}`);
    };
    await cache.page('a', 't', render('a'));
    await cache.page('b', 't', render('b'));
    await cache.page('a', 't', render('a'));
    await cache.page('c', 't', render('c'));
    await cache.page('a', 't', render('a'));
    await cache.page('b', 't', render('b'));
    expect(renders).toEqual(['a', 'b', 'c', 'b']);
  });

  it('when a rendered page has no token slot, or two, then it is refused instead of cached', async () => {
    const cache = new FormPageCache();
    await expect(cache.page('x', 't', () => Promise.resolve('<form></form>'))).rejects.toThrow(/token slot/);
    await expect(cache.page('y', 't', () => Promise.resolve(`${TOKEN_SLOT}${TOKEN_SLOT}`))).rejects.toThrow(/token slot/);
  });
});
