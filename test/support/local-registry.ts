import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawn } from "node:child_process";
import { createGzip } from "node:zlib";
import type { AddressInfo } from "node:net";

/**
 * An npm registry on 127.0.0.1 serving exactly the third-party packages this repository has
 * installed (every entry of its package-lock.json), so that a test can run `npm install` as a user
 * would — real resolution, peer dependencies, engines checks, bin links — without the network.
 * A package or version the lockfile does not have is a 404, as a package missing from the real
 * registry would be. Tarballs are made on request from the installed folders (`package/` + the
 * folder, its own nested node_modules left out).
 */
export interface LocalRegistry {
  readonly url: string;
  /**
   * Packuments and tarballs served, by URL path: what an install needed. Paths answered 404 are not
   * in it: npm also looks up optional peers, and a dependency a `file:` tarball already satisfies.
   */
  readonly served: readonly string[];

  close(): Promise<void>;
}

interface Version {
  readonly manifest: Record<string, unknown>;
  readonly dir: string;
}

export async function startLocalRegistry(root: string): Promise<LocalRegistry> {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; link?: boolean }>;
  };
  const packages = new Map<string, Map<string, Version>>();
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (!location.includes("node_modules/") || entry.link || !entry.version) continue;
    const dir = path.join(root, location);
    const manifestFile = path.join(dir, "package.json");
    if (!fs.existsSync(manifestFile)) continue; // an optional dependency for another platform
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    const name = manifest.name as string;
    if (!packages.has(name)) packages.set(name, new Map());
    packages.get(name)!.set(manifest.version as string, { manifest, dir });
  }

  const served: string[] = [];
  let base = "";
  const server = http.createServer((request, response) => {
    const url = decodeURIComponent((request.url ?? "/").split("?")[0]);
    const tarball = /^\/(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(url);
    if (tarball) {
      const version = packages.get(tarball[1])?.get(tarball[2]);
      if (!version) return notFound(response);
      served.push(url);
      response.writeHead(200, { "content-type": "application/octet-stream" });
      const tar = spawn("tar", [
        "-c",
        "--exclude=./node_modules",
        "--transform=s,^\\.,package,",
        "-C",
        version.dir,
        ".",
      ]);
      tar.stdout.pipe(createGzip({ level: 1 })).pipe(response);
      return;
    }
    const name = url.slice(1);
    const versions = packages.get(name);
    if (!versions) return notFound(response);
    served.push(url);
    const sorted = [...versions.keys()].sort(compareVersions);
    const packument = {
      name,
      "dist-tags": { latest: sorted[sorted.length - 1] },
      versions: Object.fromEntries(
        [...versions].map(([v, { manifest }]) => [
          v,
          { ...manifest, dist: { tarball: `${base}/${name}/-/${name.split("/").pop()}-${v}.tgz` } },
        ]),
      ),
    };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function notFound(response: http.ServerResponse): void {
  response.writeHead(404, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: "Not found" }));
}

/** Semantic version order (prereleases before their release), enough to pick `latest`. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split("-", 2);
    return { core: core.split(".").map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
