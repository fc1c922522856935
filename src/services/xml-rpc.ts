import type { RpcCodec } from "./rpc-codec.ts";
import { plainAnswer } from "./rpc-codec.ts";
/** XML-RPC codec (placeholder until the XML-RPC step). */
export const xmlRpc: RpcCodec = {
  protocol: "xml-rpc",
  accepts: (t) => t === "text/xml",
  answer: async () => plainAnswer(501, "501 Not Implemented: XML-RPC is not there yet"),
};
