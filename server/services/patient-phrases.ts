/**
 * Screening of staff replies for words that confirm or imply that someone is or was a patient
 * ("your treatment", "when you were here", "our records"): staff speaking for the organisation
 * must never confirm that. Pure. Matching ignores case, spacing and punctuation between words
 * ("Your  Doctor", "your-doctor", "yourdoctor" all match), so spacing tricks do not slip through.
 */
export const PATIENT_PHRASES = [
  'when you were here',
  'when you were in',
  'while you were here',
  'while you were in',
  'during your stay',
  'your stay with us',
  'your treatment',
  'your doctor',
  'your consultant',
  'your nurse',
  'your appointment',
  'your next appointment',
  'our records',
  'your records',
  'your file',
  'your chart',
  'your visit',
  'your care team here',
  'your care plan',
  'your admission',
  'your discharge',
  'your diagnosis',
  'your test results',
  'your results',
  'your scan',
  'your surgery',
  'your operation',
  'your procedure',
  'your prescription',
  'your medication',
  'you were admitted',
  'you were treated',
  'you were seen',
  'as our patient',
  'as a patient here',
  'our patient',
] as const;

export interface PhraseFinding {
  phrase: string;
}

function squash(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

const SQUASHED = PATIENT_PHRASES.map((p) => ({ phrase: p, key: squash(p) }));

/** The listed phrases found in `text` (each once; a longer match hides the shorter inside it). */
export function findPatientPhrases(text: string): PhraseFinding[] {
  const hay = squash(text);
  const hits = SQUASHED.filter((p) => hay.includes(p.key));
  return hits
    .filter(
      (h) => !hits.some((o) => o !== h && o.key.length > h.key.length && o.key.includes(h.key)),
    )
    .map((h) => ({ phrase: h.phrase }));
}
