import { droverPackage } from '../util/installRoot.js';

export function version(): string {
  return droverPackage().version;
}
