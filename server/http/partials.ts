import { readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

export type Partial = (name: string, data: Record<string, unknown>) => string;

/**
 * `partial(name, data)` for views: renders a partial with exactly the data it is given.
 *
 * EJS's `include()` copies every local of the page into each include (Harbour's pages carry the
 * i18n table, the viewer, banners, flash…) and looks the file up on disk each time. A
 * conversation page includes a partial for each of its posts, so that was a fixed cost per post.
 * Here each partial is compiled once when view caching is on (production) and called with a
 * small object. `name` comes from the views, never from a request.
 */
export function partialRenderer(viewsDir: string, cache: boolean): Partial {
  const compiled = new Map<string, ejs.TemplateFunction>();
  return (name, data) => {
    let render = compiled.get(name);
    if (!render) {
      const filename = path.join(viewsDir, `${name}.ejs`);
      render = ejs.compile(readFileSync(filename, 'utf8'), { filename });
      if (cache) compiled.set(name, render);
    }
    return render(data);
  };
}
