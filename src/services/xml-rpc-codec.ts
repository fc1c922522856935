/**
 * The XML-RPC codec of the RpcGateway (SPEC §8.3): a methodCall → its call → a methodResponse
 * (or a fault), HTTP 200 either way as XML-RPC says; `system.multicall` → its calls, answered as
 * a batch (xml-rpc-multicall.ts). The gateway answers the introspection methods
 * (system-methods.ts), asked for by `systemMethods`.
 *
 * A body that is not a well-formed methodCall is answered 400 in plain text naming the problem;
 * the gateway's body limit answers 413 before any parsing.
 */
import { isThenable } from "./registry.ts";
import { plainAnswer, type Invoke, type RpcAnswer, type RpcCodec, type RpcStream } from "./rpc-codec.ts";
import { MULTICALL } from "./system-methods.ts";
import { XmlError } from "./xml-lite.ts";
import {
  XML_MEDIA_TYPE,
  XmlRpcError,
  decodeCall,
  encodeFault,
  encodeResponse,
  failureOfThrow,
  unencodableFailure,
  xmlAnswer,
} from "./xml-rpc.ts";
import { multicallAnswer } from "./xml-rpc-multicall.ts";

function faultAnswer(e: unknown): RpcAnswer {
  return xmlAnswer(encodeFault(failureOfThrow(e)));
}

function resultAnswer(v: unknown): RpcAnswer {
  try {
    return xmlAnswer(encodeResponse(v));
  } catch (e) {
    return xmlAnswer(encodeFault(unencodableFailure(e)));
  }
}

/** The XML-RPC codec. */
export const xmlRpc: RpcCodec = {
  protocol: "xml-rpc",
  mediaType: XML_MEDIA_TYPE,
  systemMethods: true,
  accepts: (t) => t === XML_MEDIA_TYPE || t === "application/xml",
  answer(body: Uint8Array, invoke: Invoke): RpcAnswer | Promise<RpcAnswer> | RpcStream {
    let call: { method: string; params: unknown[] };
    try {
      call = decodeCall(body);
    } catch (e) {
      if (e instanceof XmlError || e instanceof XmlRpcError) return plainAnswer(400, `400 Bad Request: ${e.message}`);
      return plainAnswer(400, "400 Bad Request: the body is not UTF-8 XML");
    }
    if (call.method === MULTICALL) return multicallAnswer(call.params, invoke);
    let out: unknown;
    try {
      out = invoke(call.method, call.params);
    } catch (e) {
      return faultAnswer(e);
    }
    return isThenable(out) ? Promise.resolve(out).then(resultAnswer, faultAnswer) : resultAnswer(out);
  },
};
