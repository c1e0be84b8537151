// Clues and cases for the page checks, made through the API as the demo's people would: an
// open clue with an extension waiting for a head, a case waiting for approval (party not yet
// identified), a registered case against a person (masked) investigated before registration
// with its team (two officers, an assistant) and two requests for recusal (one decided, one
// waiting for a head) and an inspection record whose document is issued, and a liaison's own
// clue. Returns the pages' paths.
import { DEMO_PASSWORD } from './harness.mjs';

/** Today in China Standard Time, as the server's legal dates are. */
export function todayCst() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

export async function login(base, username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!r.ok) throw new Error(`${username} could not sign in to the API: ${r.status} ${await r.text()}`);
  return (await r.json()).token;
}

async function call(base, token, method, path, body, headers = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return { json: text ? JSON.parse(text) : null, etag: r.headers.get('etag'), location: r.headers.get('location') };
}

/** A command on `resource` with the If-Match its current version gives. */
export async function act(base, token, resource, verb, body) {
  const { etag } = await call(base, token, 'GET', resource);
  return (await call(base, token, 'POST', `${resource}/${verb}`, body, { 'if-match': etag })).json;
}

export async function clue(base, token, source, place) {
  const { location } = await call(base, token, 'POST', '/api/v1/clues', {
    source, received_on: todayCst(), county_code: '532822', place,
    description: '巡查发现排污口有黑水直排入南览河，岸边有异味',
  });
  return location;
}

export function proposal(extra = {}) {
  return {
    legal_basis: [{ law: '《中华人民共和国水污染防治法》', article: '第八十三条' }],
    act_ended_on: todayCst(),
    endangers_life_health_or_finance: false,
    violation: '超过水污染物排放标准排放水污染物',
    ...extra,
  };
}

/**
 * An on-site inspection record by `officers`, ended a second ago. It starts no earlier than
 * midnight China time: the demo's certificates are valid from the day the server seeded them.
 */
export function inspectionRecord(officers) {
  const now = Date.now();
  const midnight = Date.parse(`${todayCst()}T00:00:00+08:00`);
  const end = now - 1000;
  const start = Math.min(Math.max(now - 40 * 60_000, midnight), end - 1000);
  return {
    started_at: new Date(start).toISOString(), ended_at: new Date(end).toISOString(), officers,
    signature: { signed: true }, place: '勐海县勐遮镇某橡胶厂排污口', present: ['岩温（厂长）'],
    observed: '排污口有黑色废水流入南览河，厂区废水处理设施未运行。',
  };
}

export async function caseFixtures(base) {
  const officer = await login(base, 'menghai.officer');
  const head = await login(base, 'ju.head');
  const liaison = await login(base, 'mengzhe.liaison');

  const extension = await clue(base, officer, 'inspection', '勐遮镇南览河排污口');
  await act(base, officer, extension, 'extend-registration', { reason: '需调取在线监测数据核实' });

  const pendingClue = await clue(base, officer, 'online_monitoring', '勐海县城污水处理厂总排口');
  const pending = await act(base, officer, pendingClue, 'register', proposal());

  const registeredClue = await clue(base, officer, 'complaint_12369', '勐遮镇曼令村养殖场');
  const registered = await act(base, officer, registeredClue, 'register', proposal({
    urgent: true,
    party: {
      kind: 'person', name: '岩温', id_type: 'resident_id', id_number: '532822199001011234',
      address: '勐海县勐遮镇曼令村', phone: '13812345678',
    },
  }));
  const registeredCase = `/api/v1/cases/${registered.case.id}`;
  await act(base, head, registeredCase, 'approve-registration', { comment: '同意立案' });
  await act(base, officer, registeredCase, 'assign-officers', {
    officers: ['menghai.officer', 'menghai.officer2'], lead: 'menghai.officer', assistants: ['menghai.aux'],
  });
  // An inspection record and its document, issued: the signing page and the public check page.
  const officers = ['menghai.officer', 'menghai.officer2'];
  await act(base, officer, registeredCase, 'record-inspection', inspectionRecord(officers));
  const records = await call(base, officer, 'GET', `${registeredCase}/records`);
  const issued = await act(base, officer, registeredCase, 'documents', {
    kind: 'inspection_record', subject: records.json[0].record.id,
  });
  await act(base, officer, registeredCase, 'request-recusal', { officer: 'ju.deputy', grounds: '当事人称曾与分管副局长有业务往来', by: 'party' });
  await act(base, head, registeredCase, 'decide-recusal', {
    officer: 'ju.deputy', granted: false, reasons: '未发现直接利害关系', collective_deliberation: false,
  });
  await act(base, officer, registeredCase, 'request-recusal', { officer: 'menghai.officer2', grounds: '系当事人近亲属', by: 'party' });
  // A record of interference an hour ago, for the monthly list of its readers.
  await call(base, officer, 'POST', `${registeredCase}/record-interference`, {
    who: '某乡镇领导（自称）', when: new Date(Date.now() - 3600_000).toISOString(), how: '电话',
    what_was_asked: '要求对该养殖场从轻处理',
  });

  const liaisonClue = await clue(base, liaison, 'township_liaison', '勐遮镇曼燕村河段');

  const page = (api) => api.replace('/api/v1', '');
  return {
    extensionClue: page(extension),
    pendingCase: `/cases/${pending.case.id}`,
    registeredCase: `/cases/${registered.case.id}`,
    registeredClue: page(registeredClue),
    liaisonClue: page(liaisonClue),
    documentSign: `/cases/${registered.case.id}/documents/${issued.document.id}/sign`,
    verify: `/verify/${issued.document.verify_code}`,
  };
}
