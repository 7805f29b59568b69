import { existsSync } from 'node:fs';
import path from 'node:path';

/** The project root (holding views/ and public/), from the source tree or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'views'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..');
}
