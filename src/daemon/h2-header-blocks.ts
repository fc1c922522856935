/**
 * HeaderBlocks: an HTTP/2 connection's header blocks as they arrive — a HEADERS frame and the
 * CONTINUATION frames after it (RFC 9113 §6.10), decoded fragment by fragment by the connection's
 * HPACK decoder (its dynamic table follows every block, also those of streams refused or reset,
 * RFC 9113 §4.3), into the stream's own HeaderBlock or, for blocks whose fields are not kept (a
 * refused stream, trailers, a stream already reset), into a scratch block made at first use. A
 * block larger than H2_MAX_HEADER_BLOCK compressed, or never ended (CVE-2024-27316), stops here.
 */
import { HeaderBlock } from "../parser/h2/header-block.ts";
import { HpackDecoder } from "../parser/h2/hpack-decoder.ts";
import type { H2Stream } from "./h2-stream.ts";
import { H2_MAX_HEADER_BLOCK } from "./limits.ts";

/** fragment(): the block goes on in a CONTINUATION. */
export const BLOCK_CONTINUES = 0;
/** fragment(): the block is whole. */
export const BLOCK_DONE = 1;
/** fragment(): the block passed H2_MAX_HEADER_BLOCK (ENHANCE_YOUR_CALM). */
export const BLOCK_TOO_LARGE = -1;
/** fragment(): HPACK could not decode it (COMPRESSION_ERROR). */
export const BLOCK_UNDECODABLE = -2;

/** What `block` is between header blocks (never decoded into). */
const NO_BLOCK = new HeaderBlock({ maxListSize: 32 });

/** One connection's header blocks in progress (see the file comment). */
export class HeaderBlocks {
  private readonly decoder = new HpackDecoder();
  /** The stream whose block is in progress (CONTINUATION must follow); 0: none. */
  streamId = 0;
  /** Where the block is decoded. */
  block = NO_BLOCK;
  /** The stream the block opens (or whose trailers it is); null: a block only followed. */
  target: H2Stream | null = null;
  /** The HEADERS frame carried END_STREAM. */
  endsStream = false;
  /** The block's stream is refused once the block is read (over the concurrent-stream limit). */
  refused = false;
  /** Compressed bytes of the block so far. */
  private bytes = 0;
  private scratch: HeaderBlock | null = null;

  /**
   * A HEADERS frame on stream `id` begins a block: a request for `target` (decoded into its own
   * block), its trailers (`trailers`), or fields not kept (`target` null). Its fragments follow.
   */
  begin(id: number, target: H2Stream | null, trailers: boolean, endsStream: boolean, refused: boolean): void {
    const block = target === null || trailers ? (this.scratch ??= new HeaderBlock()) : target.block;
    block.reset(trailers);
    this.block = block;
    this.streamId = id;
    this.target = target;
    this.endsStream = endsStream;
    this.refused = refused;
    this.bytes = 0;
  }

  /** A fragment buf[start..end) of the block; `last`: END_HEADERS. Returns BLOCK_* above. */
  fragment(buf: Uint8Array, start: number, end: number, last: boolean): number {
    if ((this.bytes += end - start) > H2_MAX_HEADER_BLOCK) return BLOCK_TOO_LARGE;
    if (this.decoder.decodeFragment(buf, start, end, this.block) < 0) return BLOCK_UNDECODABLE;
    if (!last) return BLOCK_CONTINUES;
    this.streamId = 0;
    return this.decoder.endBlock(this.block) < 0 ? BLOCK_UNDECODABLE : BLOCK_DONE;
  }

  /** The block just read is done with: nothing of it is kept here. */
  finish(): void {
    this.target = null;
    this.block = NO_BLOCK;
  }
}
