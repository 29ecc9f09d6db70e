/**
 * Optional native TensorFlow backend (`@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node`). These packages download libtensorflow in their
 * install script, so they exist only on machines with internet access where a
 * user installed them (see the README's GPU section). We look for them in the
 * project's node_modules and load them with `require`, never through the
 * import map, so a machine without them never tries to fetch them.
 *
 * @module
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";

/** Native packages in preference order. */
export const NATIVE_PACKAGES = [
  "@tensorflow/tfjs-node-gpu",
  "@tensorflow/tfjs-node",
] as const;

/** Loads the first installed native package; registering it adds backend "tensorflow". */
export function loadNativeTensorflow():
  | { ok: true; pkg: string; reason: string }
  | { ok: false; reason: string } {
  const root = new URL("../../", import.meta.url);
  const require = createRequire(new URL("deno.json", root));
  const problems: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const manifest = new URL(`node_modules/${pkg}/package.json`, root);
    if (!existsSync(manifest)) {
      problems.push(`${pkg} not installed`);
      continue;
    }
    try {
      require(pkg);
      return { ok: true, pkg, reason: `loaded ${pkg}` };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      problems.push(
        `${pkg} is installed but failed to load: ${text.split("\n")[0]}`,
      );
    }
  }
  return { ok: false, reason: problems.join("; ") };
}
