import type { ElectionDates, ElectionRules } from '../election/election.rules.js';
import type { CandidateCount } from '../vote/vote-setup.events.js';

/**
 * Re-deciding the election's rules from its events alone, as an auditor replays them: every event
 * of the ledger, in log order, goes through `check`; `finish` adds what can only be judged at the
 * end. Nothing here trusts a read model or the server's code path: a rule the server should have
 * enforced and did not (or an event written behind its back) shows as a finding naming the event.
 *
 * Covered: phase order (sponsorships before the deadline in force, registrations within their
 * window, ballots only while the box is open, no tally before the close, no result before the
 * tally), sponsorship thresholds and district spread at certification, one sponsorship per
 * sponsor, registrations approved only once both contacts were confirmed or the council
 * reviewed, one émargement per voter and round (revotes only where the last vote counts),
 * émargements only by approved voters, émargements equal to counted ballots, unique tracking
 * numbers, and the result's arithmetic.
 */

export interface AuditedEvent {
  position: bigint;
  stream: string;
  type: string;
  data: unknown;
}

export interface Finding {
  rule: string;
  position: string;
  stream: string;
  type: string;
  reason: string;
}

export interface RuleFigures {
  events: number;
  elections: number;
  sponsorships: number;
  certifiedCandidates: number;
  registrations: number;
  approvedRegistrations: number;
  emargements: number;
  ballots: number;
  rounds: number;
}

interface ElectionFacts {
  rules: ElectionRules;
  dates: ElectionDates;
  cancelled: boolean;
}

interface RoundFacts {
  box: 'not-opened' | 'open' | 'closed';
  voters: Set<string>;
  lastByCredential: Map<string, string>;
  trackingNumbers: Set<string>;
  tallied: boolean;
  result: boolean;
  countedAtClose: number | null;
  revotePolicy: string;
}

interface RegistrationFacts {
  electionId: string;
  email: boolean;
  phone: boolean;
  reviewed: boolean;
  flagged: boolean;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
}

type Data = Record<string, unknown>;

export class LedgerRules {
  readonly findings: Finding[] = [];
  readonly figures: RuleFigures = { events: 0, elections: 0, sponsorships: 0, certifiedCandidates: 0, registrations: 0, approvedRegistrations: 0, emargements: 0, ballots: 0, rounds: 0 };
  private readonly elections = new Map<string, ElectionFacts>();
  private readonly sponsors = new Set<string>();
  /** election.candidate → sponsor kind → districts (one entry per sponsor). */
  private readonly sponsorships = new Map<string, Map<string, string[]>>();
  private readonly registrations = new Map<string, RegistrationFacts>();
  private readonly rounds = new Map<string, RoundFacts>();

  check(event: AuditedEvent): void {
    this.figures.events++;
    const data = (event.data ?? {}) as Data;
    const refuse = (rule: string, reason: string): void => {
      this.findings.push({ rule, position: event.position.toString(), stream: event.stream, type: event.type, reason });
    };
    switch (event.type) {
      case 'ElectionDeclared': {
        this.figures.elections++;
        this.elections.set(String(data.electionId), { rules: data.rules as ElectionRules, dates: { ...(data.dates as ElectionDates) }, cancelled: false });
        return;
      }
      case 'ElectionDateChanged': {
        const election = this.elections.get(String(data.electionId));
        if (!election) return refuse('phase-order', 'a date changed for an election never declared');
        const name = data.date as keyof ElectionDates;
        const at = String(data.changedAt);
        // A date changes only before the phase it affects has ended (the 2013 extension rule).
        if (election.dates[name] !== null && at >= String(election.dates[name])) refuse('phase-order', `${name} changed at ${at}, after it had passed (${election.dates[name]})`);
        election.dates = { ...election.dates, [name]: data.to as string };
        return;
      }
      case 'ElectionCancelled': {
        const election = this.elections.get(String(data.electionId));
        if (election) election.cancelled = true;
        return;
      }
      case 'SponsorshipGiven': {
        this.figures.sponsorships++;
        const election = this.elections.get(String(data.electionId));
        const sponsor = `${data.electionId}.${data.sponsorKind}.${data.sponsorId}`;
        if (this.sponsors.has(sponsor)) refuse('sponsorship', `sponsor ${data.sponsorKind} ${data.sponsorId} sponsored twice`);
        this.sponsors.add(sponsor);
        if (!election) return refuse('phase-order', 'a sponsorship for an election never declared');
        if (String(data.givenAt) >= election.dates.sponsorshipDeadline) refuse('phase-order', `sponsorship given at ${data.givenAt}, after the deadline ${election.dates.sponsorshipDeadline}`);
        const key = `${data.electionId}.${data.candidateId}`;
        const byKind = this.sponsorships.get(key) ?? new Map<string, string[]>();
        byKind.set(String(data.sponsorKind), [...(byKind.get(String(data.sponsorKind)) ?? []), String(data.district)]);
        this.sponsorships.set(key, byKind);
        return;
      }
      case 'CandidateCertified': {
        this.figures.certifiedCandidates++;
        const election = this.elections.get(String(data.electionId));
        if (!election) return refuse('sponsorship', 'a candidate certified in an election never declared');
        const byKind = this.sponsorships.get(`${data.electionId}.${data.candidateId}`) ?? new Map<string, string[]>();
        for (const rule of election.rules.sponsorship) {
          const districts = byKind.get(rule.sponsorKind) ?? [];
          const spread = new Set(districts.filter((d) => d !== '')).size;
          if (districts.length < rule.minimumSponsors || spread < rule.minimumDistinctDistricts) {
            refuse('sponsorship', `${data.candidateId} certified with ${districts.length} ${rule.sponsorKind} sponsors from ${spread} districts (needs ${rule.minimumSponsors} from ${rule.minimumDistinctDistricts})`);
          }
        }
        return;
      }
      case 'RegistrationSubmitted': {
        this.figures.registrations++;
        const election = this.elections.get(String(data.electionId));
        this.registrations.set(String(data.registrationId), { electionId: String(data.electionId), email: false, phone: false, reviewed: false, flagged: false, status: 'pending' });
        if (!election) return refuse('phase-order', 'a registration for an election never declared');
        const at = String(data.at);
        if (at < election.dates.registrationOpensAt || at >= election.dates.registrationClosesAt) {
          refuse('phase-order', `registration submitted at ${at}, outside ${election.dates.registrationOpensAt} – ${election.dates.registrationClosesAt}`);
        }
        return;
      }
      case 'EmailConfirmed':
      case 'PhoneConfirmed':
      case 'RegistrationFlagged':
      case 'RegistrationReviewCleared': {
        const registration = this.registrations.get(String(data.registrationId));
        if (!registration) return refuse('registration', `${event.type} for an unknown registration`);
        if (event.type === 'EmailConfirmed') registration.email = true;
        if (event.type === 'PhoneConfirmed') registration.phone = true;
        if (event.type === 'RegistrationFlagged') registration.flagged = true;
        if (event.type === 'RegistrationReviewCleared') registration.reviewed = true;
        return;
      }
      case 'RegistrationApproved': {
        this.figures.approvedRegistrations++;
        const registration = this.registrations.get(String(data.registrationId));
        if (!registration) return refuse('registration', 'approval of an unknown registration');
        const automatic = data.by === 'automatic';
        if (automatic && (!registration.email || !registration.phone || (registration.flagged && !registration.reviewed))) {
          refuse('registration', 'approved automatically without both contacts confirmed, or while flagged');
        }
        registration.status = 'approved';
        return;
      }
      case 'RegistrationRejected':
      case 'RegistrationCancelled': {
        const registration = this.registrations.get(String(data.registrationId));
        if (registration) registration.status = event.type === 'RegistrationRejected' ? 'rejected' : 'cancelled';
        return;
      }
      case 'VotePrepared': {
        this.figures.rounds++;
        this.round(data).revotePolicy = String(data.revotePolicy);
        return;
      }
      case 'BallotBoxOpened': {
        const round = this.round(data);
        if (round.box !== 'not-opened') refuse('phase-order', 'the ballot box opened twice');
        round.box = 'open';
        return;
      }
      case 'BallotAccepted': {
        this.figures.ballots++;
        const round = this.round(data);
        if (round.box !== 'open') refuse('phase-order', `a ballot accepted while the box was ${round.box}`);
        const tracking = String(data.trackingNumber);
        if (round.trackingNumbers.has(tracking)) refuse('ballots', `tracking number ${tracking} accepted twice`);
        round.trackingNumbers.add(tracking);
        const replaced = round.lastByCredential.get(String(data.credential)) ?? null;
        if ((data.replaces ?? null) !== replaced) refuse('ballots', `the ballot says it replaces ${String(data.replaces)}, but the credential's last ballot was ${String(replaced)}`);
        round.lastByCredential.set(String(data.credential), tracking);
        return;
      }
      case 'EmargementRecorded': {
        this.figures.emargements++;
        const round = this.round(data);
        const registrationId = String(data.registrationId);
        const registration = this.registrations.get(registrationId);
        if (!registration || registration.status !== 'approved' || registration.electionId !== data.electionId) refuse('emargement', `émargement of ${registrationId}, not an approved voter of this election`);
        if (round.box !== 'open') refuse('phase-order', `an émargement while the box was ${round.box}`);
        if (data.revote === true) {
          if (!round.voters.has(registrationId)) refuse('emargement', 'a revote by a voter who had not voted');
          if (round.revotePolicy === 'single-vote') refuse('emargement', 'a revote where only the first vote counts');
        } else {
          if (round.voters.has(registrationId)) refuse('emargement', `a second émargement for ${registrationId}`);
          round.voters.add(registrationId);
        }
        return;
      }
      case 'BallotBoxClosed': {
        const round = this.round(data);
        if (round.box !== 'open') refuse('phase-order', `the box closed while ${round.box}`);
        round.box = 'closed';
        round.countedAtClose = Number(data.countedBallots);
        if (round.countedAtClose !== round.lastByCredential.size) refuse('ballots', `closed with ${data.countedBallots} counted ballots, the box holds ${round.lastByCredential.size}`);
        return;
      }
      case 'EncryptedTallyComputed': {
        const round = this.round(data);
        if (round.box !== 'closed') refuse('phase-order', 'a tally before the ballot box closed');
        if (Number(data.numTallied) !== round.lastByCredential.size) refuse('ballots', `tally of ${data.numTallied} ballots, the box counts ${round.lastByCredential.size}`);
        round.tallied = true;
        return;
      }
      case 'ResultComputed': {
        const round = this.round(data);
        if (!round.tallied) refuse('phase-order', 'a result before the tally');
        round.result = true;
        const counts = data.counts as CandidateCount[];
        const sum = counts.reduce((total, c) => total + c.votes, 0) + Number(data.blank);
        if (Number(data.countedBallots) !== round.lastByCredential.size) refuse('result', `result over ${data.countedBallots} ballots, the box counts ${round.lastByCredential.size}`);
        if (sum > Number(data.countedBallots)) refuse('result', `${sum} votes and blanks for ${data.countedBallots} ballots`);
        return;
      }
      case 'ResultCertified': {
        const round = this.round(data);
        if (!round.result) refuse('phase-order', 'certified before any result');
        if (round.voters.size !== round.lastByCredential.size) refuse('emargement', `certified with ${round.voters.size} émargements for ${round.lastByCredential.size} counted ballots`);
        return;
      }
      default:
        return;
    }
  }

  /** What can only be judged once every event is in: émargements against ballots, per round. */
  finish(): Finding[] {
    for (const [key, round] of this.rounds) {
      if (round.box === 'not-opened') continue;
      if (round.voters.size !== round.lastByCredential.size) {
        this.findings.push({ rule: 'emargement', position: 'end', stream: `ballotbox-${key}`, type: '-', reason: `${round.voters.size} voters recorded as having voted, ${round.lastByCredential.size} ballots counted` });
      }
    }
    return this.findings;
  }

  private round(data: Data): RoundFacts {
    const key = `${data.electionId}.${data.round}`;
    let round = this.rounds.get(key);
    if (!round) {
      round = { box: 'not-opened', voters: new Set(), lastByCredential: new Map(), trackingNumbers: new Set(), tallied: false, result: false, countedAtClose: null, revotePolicy: 'last-vote-counts' };
      this.rounds.set(key, round);
    }
    return round;
  }
}
