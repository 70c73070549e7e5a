// The slice of htmx's global API the islands use (htmx itself is loaded as a plain script).
interface HtmxApi {
  trigger(elt: Element, name: string, detail?: unknown): void;
  config: Record<string, unknown>;
  ajax(verb: string, path: string, context: { target: Element | string; swap?: string }): Promise<void>;
  process(elt: Element): void;
}

declare const htmx: HtmxApi;

interface HtmxRequestDetail {
  elt: Element;
  target: Element;
  xhr: XMLHttpRequest;
  successful?: boolean;
  failed?: boolean;
  requestConfig?: { elt: Element; verb: string; parameters: FormData | Record<string, unknown> };
}

interface HtmxConfigRequestDetail {
  elt: Element;
  target: Element;
  verb: string;
  parameters: FormData | Record<string, unknown>;
}

interface HtmxBeforeSwapDetail extends HtmxRequestDetail {
  shouldSwap: boolean;
  isError: boolean;
}
