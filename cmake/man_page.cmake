# duetd(8), made from `duetd --help` by help2man at build time, so the page lists exactly
# the flags the binary takes; packaging/duetd.h2m adds what --help does not say.
# Installed gzip -9n compressed, as Debian's policy wants.
find_program(DUET_HELP2MAN help2man)
if(NOT DUET_HELP2MAN)
  message(WARNING "help2man not found (apt-get install help2man): duetd(8) is neither built nor installed")
  return()
endif()
set(duet_man_page ${PROJECT_BINARY_DIR}/man/duetd.8)
add_custom_command(OUTPUT ${duet_man_page}.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
  COMMAND ${DUET_HELP2MAN} --section=8 --no-info --no-discard-stderr
          --version-string=${PROJECT_VERSION} --name=${PROJECT_DESCRIPTION}
          --include=${PROJECT_SOURCE_DIR}/packaging/duetd.h2m
          --output=${duet_man_page} $<TARGET_FILE:duetd>
  COMMAND gzip -9nf ${duet_man_page}
  DEPENDS duetd ${PROJECT_SOURCE_DIR}/packaging/duetd.h2m
  VERBATIM)
add_custom_target(duet_man_page ALL DEPENDS ${duet_man_page}.gz)
install(FILES ${duet_man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
