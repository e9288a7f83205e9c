/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* message-id.h — one fixed journal MESSAGE_ID per event kind; explained in catalog/tdispd.catalog. */
#pragma once

#define MESSAGE_ID_DEVICE_DECISION "a66f6971d56642febc47fbfa38fa9eca"
#define MESSAGE_ID_DEVICE_STATE "c481697938a64dea9ccd3f8185f6650f"
#define MESSAGE_ID_BINDING_REFUSED "f1dece054f684653aec9bd4dfb2177c8"
#define MESSAGE_ID_ACTION_AUDIT "0e3f77f84ed445dca32f6e1dc9a5209b"
#define MESSAGE_ID_ACTION_FAILED "5ab8ac228c4846e68132366e02aeafd1"
#define MESSAGE_ID_BUS_LOCKED_DOWN "071ce18dbfbf4cf49eadd37c4fa3f23a"
#define MESSAGE_ID_CONFIG_INVALID "41125c0896504bb19320e9cbb5c8146d"
#define MESSAGE_ID_MODE_OVERRIDE "a87a696a780b47838a8a15ef5f4c481b"
#define MESSAGE_ID_MANAGER_READY "de2ce3f51b434c5db4e40fdc2442317b"
