import { Agreement } from './agreement';
import { AgreementParty } from './agreement-party';
import { Certification } from './certification';
import { CertificationScheme } from './certification-scheme';
import { CompetencyUnit } from './competency-unit';
import { Facility } from './facility';
import { ItInitiative } from './it-initiative';
import { ItRollout } from './it-rollout';
import { Librarian } from './librarian';

export {
  Agreement,
  AgreementParty,
  Certification,
  CertificationScheme,
  CompetencyUnit,
  Facility,
  ItInitiative,
  ItRollout,
  Librarian,
};

export const entities = [
  Agreement,
  AgreementParty,
  Certification,
  CertificationScheme,
  CompetencyUnit,
  Facility,
  ItInitiative,
  ItRollout,
  Librarian,
];
