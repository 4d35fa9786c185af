import { LightningElement, wire } from 'lwc';
import activePatients from '@salesforce/apex/PatientListController.activePatients';

/** The clinic's worklist of active patients. */
export default class PatientTable extends LightningElement {
    patients = [];
    error;
    columns = [
        { label: 'Patient', fieldName: 'Name' },
        { label: 'Status', fieldName: 'Status__c' }
    ];

    @wire(activePatients)
    wiredPatients({ data, error }) {
        if (data) {
            // Leftover from debugging the worklist: the whole list, MRNs and diagnoses included.
            console.log('patients loaded', JSON.stringify(data)); // expect: lwc/phi-in-analytics
            this.patients = data.map((p) => ({ ...p, needsReview: !p.Diagnosis__c }));
            this.error = undefined;
        } else if (error) {
            console.error('worklist failed', error);
            this.error = error;
        }
    }

    get count() {
        return this.patients.length;
    }
}
