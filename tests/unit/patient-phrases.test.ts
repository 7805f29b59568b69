import { findPatientPhrases } from '../../server/services/patient-phrases';

/** Staff replies must not confirm or imply that someone is or was a patient. */
describe('patient-implying phrases in staff replies', () => {
  it.each([
    ['We hope your treatment went well.', 'your treatment'],
    ['When you were here last spring, the ward was busy.', 'when you were here'],
    ['Please bring it up at YOUR   APPOINTMENT.', 'your appointment'],
    ['According to our records, you are fine.', 'our records'],
    ['Ask your\ncare-team here about it.', 'your care team here'],
    ['Thanks for your visit!', 'your visit'],
    ['Talk to your-doctor', 'your doctor'],
  ])('finds %j', (text, phrase) => {
    expect(findPatientPhrases(text).map((f) => f.phrase)).toContain(phrase);
  });

  it('reports a longer phrase once, not the shorter phrase inside it', () => {
    expect(findPatientPhrases('As our patient you matter.').map((f) => f.phrase)).toEqual([
      'as our patient',
    ]);
  });

  it('lets general, non-identifying words through', () => {
    expect(
      findPatientPhrases(
        'Thank you for sharing. Many people find this hard; the helplines below are open all night.',
      ),
    ).toEqual([]);
  });
});
