/**
 * Narratives written for the golden tests: every statute family, combinations, AI kinds, agent exfiltration and
 * hard negatives, in the three styles of the samples (case log, victim complaint, terse log line).
 * `why` says what the narrative is there to pin, not what the classifier must answer: the snapshot pins that.
 */
export interface GoldenNarrative {
  id: string;
  why: string;
  narrative: string;
}

export const GOLDEN: readonly GoldenNarrative[] = [
  {
    id: 'g01-bec-wire',
    why: '§ 1343: business email compromise with changed wiring instructions',
    narrative:
      'Our accounts payable clerk received an email from a look-alike domain of our supplier with new wiring instructions. ' +
      'We paid the $212,000 invoice by wire transfer to the new account before the real supplier called asking about payment.',
  },
  {
    id: 'g02-grandparent-ring',
    why: '§ 1343 and § 1349: a crew phoning elderly victims, gift cards',
    narrative:
      'A call center crew in another state phoned elderly victims pretending to be their grandchildren in jail and collected ' +
      '$48,000 in bail money through gift cards and Zelle payments. Three members coordinated the scripts on Telegram.',
  },
  {
    id: 'g03-romance-crypto',
    why: '§ 1343: first-person romance / investment scam with crypto',
    narrative:
      'I met a man on Hinge who said he was an engineer on an oil rig. After two months he got me to invest in a crypto trading ' +
      'platform that showed huge returns. I sent 3 BTC and $60,000 from my savings. When I tried to withdraw they asked for a ' +
      '"release fee" and then the site disappeared.',
  },
  {
    id: 'g04-email-takeover',
    why: '§ 1030(a)(2)(C): password guessed, mailbox read, files downloaded',
    narrative:
      'Someone brute-forced my email password and read all my messages for weeks, then downloaded my tax files and the scans of ' +
      'my passport from my Google Drive. The security page shows logins from an IP address in another country.',
  },
  {
    id: 'g05-insider-sabotage',
    why: '§ 1030(a)(5)(A) and loss: a fired sysadmin deletes backups',
    narrative:
      'Case log: former sysadmin (terminated 03/02) logged in with an old service-account password on 03/05 and deleted the ' +
      "company's backups and two production databases. Outage lasted four days; recovery and lost revenue cost about $80,000.",
  },
  {
    id: 'g06-ransomware-extortion',
    why: '§ 1030(a)(5)(A) and (a)(7): ransomware with a leak threat',
    narrative:
      "Our file servers were encrypted by ransomware over the weekend. The group's note demanded 40 bitcoin for the decryption " +
      'key and threatened to leak our client data on their blog if we did not pay within 72 hours.',
  },
  {
    id: 'g07-access-broker',
    why: '§ 1030(a)(6): trafficking in passwords / access',
    narrative:
      'Forum monitoring: subj posted domain admin + VPN access to a US law firm for 4 BTC with a screenshot of the AD console. ' +
      'UC bought the creds; victim IT confirmed they were valid and saw unknown logins from the same VPS.',
  },
  {
    id: 'g08-identity-loans',
    why: '§ 1028(a)(7) and § 1028A with a wire-fraud predicate',
    narrative:
      'Someone opened three credit cards and a car loan in my name using my Social Security number and date of birth. ' +
      'They had the loan proceeds wired to a prepaid account and told the lender by email that they were me.',
  },
  {
    id: 'g09-fake-id-shop',
    why: '§ 1028(a)(1), (a)(2), (a)(5): producing and selling counterfeit licenses',
    narrative:
      "The subject printed counterfeit driver's licenses with hologram overlays on a card printer in his apartment and sold them " +
      'to buyers online, shipping about 300 fake IDs a month.',
  },
  {
    id: 'g10-deepfake-cfo',
    why: '§ 1343 with AI: deepfake video call of a CFO (priority sec4)',
    narrative:
      'The finance clerk joined a video call where a deepfake of the CFO and two other executives told her to wire $25 million ' +
      'to five accounts for a confidential acquisition. The real CFO was on leave.',
  },
  {
    id: 'g11-voice-clone',
    why: '§ 1343 with AI: cloned voice of a family member',
    narrative:
      'My father got a phone call from a cloned voice of my brother crying that he had been arrested and needed bail money. ' +
      'He sent $9,000 through Zelle to a "lawyer" before we reached my brother, who was at home.',
  },
  {
    id: 'g12-llm-phishing',
    why: 'AI: LLM-written phishing lures leading to account takeover and theft',
    narrative:
      'The group used ChatGPT to write thousands of personalized phishing emails that looked like payroll notices. Employees who ' +
      'entered their credentials on the fake login page had their direct deposits redirected to accounts the group controlled.',
  },
  {
    id: 'g13-injected-assistant',
    why: 'Agent exfiltration: indirect prompt injection makes an assistant send mailbox data out',
    narrative:
      "Hidden instructions in a shared document made the company's AI assistant search the mailbox for passwords and put them " +
      "into the URL of an image loaded from the attacker's server.",
  },
  {
    id: 'g14-poisoned-mcp',
    why: 'Agent exfiltration: a malicious MCP server steers a coding agent to send secrets',
    narrative:
      'A malicious MCP server\u2019s tool description told the coding agent to read the .env file with API keys and send it to an ' +
      'external server. The keys were used the next day to access our cloud storage.',
  },
  {
    id: 'g15-offender-agent',
    why: 'AI + § 1030: an offender-run autonomous agent framework runs the intrusion',
    narrative:
      'The intruders ran an autonomous AI agent framework that scanned the network, exploited a flaw in the VPN appliance and ' +
      'pulled the customer database for them, then generated the ransom note.',
  },
  {
    id: 'n01-skimming',
    why: 'Hard negative: card skimming alone is § 1029 access-device fraud',
    narrative: 'Two men installed skimmers on gas pumps, copied card numbers and withdrew cash at ATMs with cloned cards.',
  },
  {
    id: 'n02-van-buren',
    why: 'Hard negative: an authorized user misusing data she may access (Van Buren)',
    narrative:
      'The employee had access to the customer list as part of her job and emailed it to her personal account before resigning ' +
      'to join a competitor.',
  },
  {
    id: 'n03-ai-mentioned',
    why: 'Hard negative: AI mentioned without a role in the conduct',
    narrative:
      'I asked ChatGPT to help me write this complaint. The seller on Facebook Marketplace never shipped the couch after I paid, ' +
      'and now he does not answer.',
  },
  {
    id: 'n04-negated',
    why: 'Hard negative: denials and no evidence (negation scopes)',
    narrative:
      'I lost my laptop on the train. The bank found no evidence of unauthorized access, no money was transferred, and I did ' +
      'not click any link.',
  },
  {
    id: 'n05-training',
    why: 'Hard negative: awareness training that describes scams (hypothetical scope)',
    narrative:
      'The company ran phishing awareness training on how to spot a fake invoice and warned that scammers may pose as the CEO ' +
      'and ask for gift cards. No money was requested.',
  },
  {
    id: 'n06-scraper',
    why: 'Hard negative: a non-AI scraper bot collecting public data',
    narrative: 'A Python scraper bot harvested public profile data from the site and posted it to a forum.',
  },
];
