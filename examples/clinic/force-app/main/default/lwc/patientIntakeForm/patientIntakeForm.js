import { LightningElement } from 'lwc';
import createPatient from '@salesforce/apex/PatientIntakeController.createPatient';

/**
 * Front-desk intake: one change handler for every field of the form, keyed by the input's name.
 */
export default class PatientIntakeForm extends LightningElement {
    draft = { Status__c: 'New' };
    mrnLooksWrong = false;

    statusOptions = [
        { label: 'New', value: 'New' },
        { label: 'Active', value: 'Active' }
    ];

    handleChange(event) {
        const { name, value } = event.target;
        this.draft = { ...this.draft, [name]: value };
        switch (name) {
            case 'MRN__c':
                this.mrnLooksWrong = !/^\d{8}$/.test(value);
                // Left in from debugging the MRN format check: the MRN ends up in the browser console.
                console.log('MRN entered', value); // expect: lwc/phi-in-analytics
                break;
            case 'Status__c':
                console.log('status changed to', value);
                break;
            default:
                break;
        }
    }

    async handleSave() {
        try {
            await createPatient({ patient: this.draft });
        } catch (error) {
            console.error('intake failed', error.body ? error.body.message : error);
        }
    }
}
