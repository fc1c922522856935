/**
 * The one place filesystem errors become HTTP statuses (as Go's net/http/fs.go does): callers
 * never leak an error's text or kind to the client, only a generic status.
 */
import { statSync, type Stats } from "node:fs";
import type { Refused } from "./refusal.ts";

/** ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP → 404; EACCES, EPERM → 403; anything else → 500. */
export function statusForFsError(error: unknown): number {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
    case "ENAMETOOLONG":
    case "ELOOP":
      return 404;
    case "EACCES":
    case "EPERM":
      return 403;
    default:
      return 500;
  }
}

/** The file's stats, or the status its stat error maps to (statusForFsError). */
export function statOrError(path: string): Stats | Refused {
  try {
    return statSync(path);
  } catch (e) {
    return statusForFsError(e);
  }
}
