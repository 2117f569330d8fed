// Seeds the simulator's content library for the catalog tests, straight through the vAPI REST
// endpoints (the programs under test have no library-authoring operation): a local library, an
// item, and one file uploaded into the item through an update session.
//   const lib = await contentLibrary(url, caPath, 'user', 'pass');
//   const id = await lib.ovfItem('apps', 'tiny', ovfText, datastoreId);
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export async function contentLibrary(sdkUrl, caPath, user, password) {
  const base = new URL(sdkUrl);
  const ca = readFileSync(caPath);

  function send(method, target, { body, headers = {} } = {}) {
    const u = new URL(target, base);
    return new Promise((resolve, reject) => {
      const req = request(u, { method, ca, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  const login = await send('POST', '/rest/com/vmware/cis/session', {
    headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') },
  });
  if (login.status !== 200) throw new Error(`vAPI login: HTTP ${login.status} ${login.text}`);
  const token = JSON.parse(login.text).value;

  async function call(method, path, value) {
    const body = value === undefined ? undefined : JSON.stringify(value);
    const r = await send(method, `/rest${path}`, {
      body,
      headers: { 'vmware-api-session-id': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    });
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
    return r.text ? JSON.parse(r.text).value : undefined;
  }

  async function upload(item, fileName, content) {
    const session = await call('POST', '/com/vmware/content/library/item/update-session',
      { create_spec: { library_item_id: item } });
    const file = await call('POST', `/com/vmware/content/library/item/updatesession/file/id:${session}?~action=add`,
      { file_spec: { name: fileName, source_type: 'PUSH', size: Buffer.byteLength(content) } });
    const put = await send('PUT', file.upload_endpoint.uri, {
      body: content,
      headers: { 'vmware-api-session-id': token, 'content-type': 'application/octet-stream' },
    });
    if (put.status !== 200) throw new Error(`upload of ${fileName}: HTTP ${put.status} ${put.text}`);
    await call('POST', `/com/vmware/content/library/item/update-session/id:${session}?~action=complete`);
  }

  return {
    async library(name, datastoreId) {
      return call('POST', '/com/vmware/content/local-library', {
        create_spec: { name, type: 'LOCAL', storage_backings: [{ type: 'DATASTORE', datastore_id: datastoreId }] },
      });
    },
    async item(library, name, type) {
      return call('POST', '/com/vmware/content/library/item', { create_spec: { library_id: library, name, type } });
    },
    // A new item of type "ovf" in `library` holding `ovf` as <name>.ovf.
    async ovfItem(library, name, ovf) {
      const id = await this.item(library, name, 'ovf');
      await upload(id, `${name}.ovf`, ovf);
      return id;
    },
    upload,
    async close() {
      await send('DELETE', '/rest/com/vmware/cis/session', { headers: { 'vmware-api-session-id': token } });
    },
  };
}
