/// <reference types="bun" preserve="true" />
/**
 * `netsvc/rpc` (SPEC §8.3): RpcGateway (the server object that answers JSON-RPC and XML-RPC
 * calls), the two codecs, the XML-RPC encode/decode functions and the bounded XML reader.
 * Re-exports only.
 */
export { RpcGateway, mediaTypeOf, type RpcGatewayOptions, type RpcProtocol, type RpcEndpoint } from "../services/rpc-gateway.ts";
export type { RpcCodec, RpcAnswer, RpcStream, RpcOutput, Invoke } from "../services/rpc-codec.ts";
export { jsonRpc, PARSE_ERROR, INVALID_REQUEST } from "../services/json-rpc.ts";
export { xmlRpc } from "../services/xml-rpc-codec.ts";
export {
  encodeCall,
  decodeCall,
  encodeResponse,
  decodeResponse,
  encodeFault,
  XmlRpcError,
  XML_MEDIA_TYPE,
} from "../services/xml-rpc.ts";
export { XmlError, parseXml, type XmlElement } from "../services/xml-lite.ts";
