import { LightningElement, api, wire } from 'lwc';
import { NavigationMixin } from 'lightning/navigation';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import MRN_FIELD from '@salesforce/schema/Patient__c.MRN__c';
import STATUS_FIELD from '@salesforce/schema/Patient__c.Status__c';
import BIRTHDATE_FIELD from '@salesforce/schema/Patient__c.Birthdate__c';

const FIELDS = [MRN_FIELD, STATUS_FIELD, BIRTHDATE_FIELD];
const RECENT_KEY = 'clinic.recentPatients';

/**
 * Patient header on the Patient__c record page: MRN, date of birth and status, a link to the printable
 * chart, and a "recently viewed" list kept in the browser.
 */
export default class PatientSummary extends NavigationMixin(LightningElement) {
    @api recordId;
    @wire(getRecord, { recordId: '$recordId', fields: FIELDS }) patient;

    get mrn() {
        return getFieldValue(this.patient.data, MRN_FIELD);
    }

    get birthdate() {
        return getFieldValue(this.patient.data, BIRTHDATE_FIELD);
    }

    get status() {
        return getFieldValue(this.patient.data, STATUS_FIELD);
    }

    get isInactive() {
        return this.status === 'Inactive';
    }

    // The legacy Visualforce chart looks patients up by MRN.
    get chartUrl() {
        return '/apex/PatientChart?mrn=' + this.mrn; // expect: lwc/phi-in-url
    }

    connectedCallback() {
        const recent = JSON.parse(sessionStorage.getItem(RECENT_KEY) || '[]');
        // Record Ids only: the list is rebuilt from the server when it is shown.
        sessionStorage.setItem(RECENT_KEY, JSON.stringify([this.recordId, ...recent].slice(0, 10)));
    }

    handleCopyMrn() {
        // Remembered for the "paste MRN" button of the lab order form.
        sessionStorage.setItem('clinic.lastMrn', this.mrn); // expect: lwc/phi-in-browser-storage
    }

    handleOpenEncounters() {
        console.log('open encounters, status', this.status);
        this[NavigationMixin.Navigate]({
            type: 'standard__recordRelationshipPage',
            attributes: {
                recordId: this.recordId,
                objectApiName: 'Patient__c',
                relationshipApiName: 'Encounters__r',
                actionName: 'view'
            }
        });
    }
}
