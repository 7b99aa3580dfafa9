import { paramText, QUEUE_PARAM_KEYS, type QueueParams } from './params.js';

/**
 * The documents the gateway answers mod_xml_curl with. mod_callcenter's
 * load_queue() opens `callcenter.conf` and looks for `<queues><queue name=…>`
 * in it; switch_xml_locate() treats `<section name="result"><result
 * status="not found"/>` as "ask the next binding", and after the last one the
 * switch's own files, so every queue the gateway does not own stays the files'.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Values are already grammar-checked; escaping is the second line of defence. */
export function xmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export const NOT_FOUND_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' +
  '<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n';

/** `callcenter.conf` with exactly one queue (no settings, agents or tiers: load_queue reads only the queue; agents and tiers stay the switch's). */
export function callcenterConfXml(name: string, params: QueueParams): string {
  const lines = QUEUE_PARAM_KEYS.flatMap((key) => {
    const v = params[key];
    return v === undefined ? [] : [`          <param name="${key}" value="${xmlAttr(paramText(v))}"/>`];
  });
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' +
    '<document type="freeswitch/xml">\n' +
    '  <section name="configuration">\n' +
    '    <configuration name="callcenter.conf" description="CallCenter (cc-gateway)">\n' +
    '      <queues>\n' +
    `        <queue name="${xmlAttr(name)}">\n` +
    (lines.length ? lines.join('\n') + '\n' : '') +
    '        </queue>\n' +
    '      </queues>\n' +
    '    </configuration>\n' +
    '  </section>\n' +
    '</document>\n'
  );
}
