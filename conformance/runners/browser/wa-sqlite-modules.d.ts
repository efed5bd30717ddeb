/**
 * The wa-sqlite files the browser worker imports that ship as plain JavaScript without types:
 * the synchronous Emscripten build and the OPFSCoopSyncVFS example VFS.
 */
declare module "@journeyapps/wa-sqlite/dist/wa-sqlite.mjs" {
  const factory: (module?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}

declare module "@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js" {
  export class OPFSCoopSyncVFS {
    static create(name: string, module: unknown): Promise<OPFSCoopSyncVFS>;
    readonly name: string;
  }
}
